import type { ConfigPath } from "./json5-locate.js";
import { configSchema } from "./schema/index.js";
import { VALUE_NAMING_KEYS } from "./schema/map-keys.js";
import { defOf, unwrap } from "./schema-walk.js";

/** A field's name that says its value is secret (apiKey, api_key, token, client_secret, password, an Authorization header, …). */
const SECRET_NAME = /(api[-_]?key|token|secret|password|passphrase|authorization|cookie)$/i;

/**
 * True where a value at this path of the config is a secret that must never be printed: a name on
 * the path says so. A name is a field's (`apiKey`), or a map's key that names its value (a header's
 * `Authorization`, a parameter's `api_key`); a map's key the user chose as a thing's name (a model ref
 * `local/secret`, a provider id) is no field and says nothing (schema/map-keys.ts). Found by walking
 * the config's schema along the path; past what the schema knows (a key it does not allow), every
 * name counts.
 */
export function isSecretPath(path: ConfigPath): boolean {
  let schema: unknown = configSchema;
  for (const segment of path) {
    const def = defOf(branchFor(unwrap(schema), segment));
    if (def?.type === "array") {
      schema = def.element;
      continue;
    }
    if (typeof segment !== "string") {
      schema = undefined;
      continue;
    }
    if (def?.type === "record") {
      if (VALUE_NAMING_KEYS.has(def.keyType as never) && SECRET_NAME.test(segment)) return true;
      schema = def.valueType;
      continue;
    }
    if (SECRET_NAME.test(segment)) return true;
    schema = def?.type === "object" ? def.shape?.[segment] : undefined;
  }
  return false;
}

/** Of a union, the member a segment goes into (an object that has it, else a map, else a list); any other schema as it is. */
function branchFor(schema: unknown, segment: string | number): unknown {
  const def = defOf(schema);
  if (def?.type !== "union") return schema;
  const members = (def.options ?? []).map(unwrap);
  const typeOf = (member: unknown): string | undefined => defOf(member)?.type;
  return (
    members.find((member) => typeOf(member) === "object" && typeof segment === "string" && defOf(member)?.shape?.[segment] !== undefined) ??
    members.find((member) => typeOf(member) === "record") ??
    members.find((member) => typeOf(member) === "array")
  );
}
