// Which config paths hold secrets (masked by `config show`, named by the audit, hidden in config
// errors): a name on the path says so — a field's, or a map key that names its value (a header, a
// parameter) — never a map key the user chose as a thing's name (a trial found the alias of model
// `local/secret` masked and reported). Every map of the schema says which kind its keys are.
import assert from "node:assert/strict";
import { test } from "node:test";
import { configSchema } from "../../src/config/schema/index.js";
import { CHOSEN_NAME_KEYS, VALUE_NAMING_KEYS } from "../../src/config/schema/map-keys.js";
import { defOf, unwrap } from "../../src/config/schema-walk.js";
import { isSecretPath } from "../../src/config/secret-paths.js";

/** Every map in the schema, by path ("*" for a map's key, "[]" for a list's item), with its key's schema. */
function maps(): { path: string; key: unknown }[] {
  const found: { path: string; key: unknown }[] = [];
  const seen = new Set<unknown>();
  const visit = (schema: unknown, path: string): void => {
    const inner = unwrap(schema);
    if (seen.has(inner)) return;
    seen.add(inner);
    const def = defOf(inner);
    if (!def) return;
    if (def.type === "object") for (const [name, child] of Object.entries(def.shape ?? {})) visit(child, path === "" ? name : `${path}.${name}`);
    else if (def.type === "record") {
      found.push({ path, key: def.keyType });
      visit(def.valueType, `${path}.*`);
    } else if (def.type === "array") visit(def.element, `${path}[]`);
    else if (def.type === "union") for (const option of def.options ?? []) visit(option, path);
  };
  visit(configSchema, "");
  return found;
}

test("every map of the config's schema says whether its keys name their values or are names the user chose", () => {
  const all = maps();
  assert.deepEqual(all.map((map) => map.path).sort(), ["agents.defaults.models", "agents.defaults.models.*.params", "models.providers", "models.providers.*.headers"]);
  for (const map of all) {
    const kinds = [VALUE_NAMING_KEYS.has(map.key as never), CHOSEN_NAME_KEYS.has(map.key as never)];
    assert.equal(kinds.filter(Boolean).length, 1, `${map.path}: its key is neither schema/map-keys.ts's valueNameKey nor a chosen name's key (or both)`);
  }
});

test("a map key the user chose (a model ref, a provider id) says nothing; a field's name, a header's and a parameter's do", () => {
  const secret: (string | number)[][] = [
    ["models", "providers", "secret", "apiKey"],
    ["models", "providers", "local", "headers", "Authorization"],
    ["models", "providers", "local", "headers", "X-Goog-Api-Key"],
    ["agents", "defaults", "models", "local/secret", "params", "api_key"],
    ["gateway", "auth", "token"],
    // Past what the schema knows: every name counts.
    ["models", "providers", "local", "misspelt", "password"],
    ["unknownSection", "secret"],
  ];
  const notSecret: (string | number)[][] = [
    ["agents", "defaults", "models", "local/secret", "alias"],
    ["agents", "defaults", "models", "local/api-token", "alias"],
    ["agents", "defaults", "models", "local/secret", "params", "temperature"],
    ["models", "providers", "token", "baseUrl"],
    ["models", "providers", "my-secret", "models", 0, "id"],
    ["models", "providers", "my-secret", "models", "0", "id"],
    ["agents", "defaults", "model", "fallbacks", 0],
  ];
  for (const path of secret) assert.equal(isSecretPath(path), true, path.join("."));
  for (const path of notSecret) assert.equal(isSecretPath(path), false, path.join("."));
});
