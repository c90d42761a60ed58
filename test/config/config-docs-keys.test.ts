// docs/config.md promises every key and its default: each key the config schema accepts (walked from the
// JSON Schema made of it) has a row in config.md's tables, with a default, and every row names a real key.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { configJsonSchema } from "../../src/config/json-schema.js";
import { repoRoot } from "../helpers/run-cli.js";

interface SchemaNode {
  $ref?: string;
  type?: string | string[];
  properties?: Record<string, SchemaNode>;
  additionalProperties?: SchemaNode | boolean;
  items?: SchemaNode;
  anyOf?: SchemaNode[];
  oneOf?: SchemaNode[];
  allOf?: SchemaNode[];
}

/** Every key path of the schema, as config.md writes them: `providers.<id>`, `models[ref]`, `models[]`. */
function schemaPaths(): Set<string> {
  const root = configJsonSchema() as SchemaNode & { $defs?: Record<string, SchemaNode> };
  const paths = new Set<string>();
  const walk = (node: SchemaNode, path: string): void => {
    const resolved = node.$ref ? (root.$defs?.[node.$ref.split("/").at(-1) ?? ""] ?? {}) : node;
    for (const sub of [...(resolved.anyOf ?? []), ...(resolved.oneOf ?? []), ...(resolved.allOf ?? [])]) walk(sub, path);
    for (const [key, sub] of Object.entries(resolved.properties ?? {})) {
      const full = path ? `${path}.${key}` : key;
      paths.add(full);
      walk(sub, full);
    }
    if (typeof resolved.additionalProperties === "object") walk(resolved.additionalProperties, path.endsWith(".providers") ? `${path}.<id>` : `${path}[ref]`);
    if (resolved.items) walk(resolved.items, `${path}[]`);
  };
  walk(root, "");
  paths.delete("$schema");
  return paths;
}

interface Row {
  /** The key path the row documents, in full. */
  path: string;
  cells: string[];
}

/** The rows of config.md's key tables, each with its section's path before its key. */
function documentedRows(): Row[] {
  const text = readFileSync(join(repoRoot, "docs/config.md"), "utf8");
  const rows: Row[] = [];
  let section = "";
  for (const line of text.split("\n")) {
    const heading = /^#{2,3} (?:[^`]*: )?`([^`]+)`$/.exec(line);
    if (heading) section = heading[1] ?? "";
    else if (/^#{1,3} /.test(line)) section = "";
    const row = /^\| `([^`]+)` \|(.*)\|$/.exec(line);
    if (!row || !section) continue;
    const key = (row[1] ?? "").split(/[: ]/)[0] ?? "";
    rows.push({ path: `${section}.${key}`, cells: (row[2] ?? "").split(" | ").map((cell) => cell.trim()) });
  }
  return rows;
}

/** config.md documents `agents.list[]` entries as "any key of agents.defaults", `compat` and `routing` once for providers and models. */
function asDocumented(path: string): string[] {
  if (path.startsWith("agents.list[].")) {
    const key = path.slice("agents.list[].".length);
    return key === "id" || key === "name" ? [path] : [`agents.defaults.${key}`];
  }
  const compat = /\.compat\.([^.]+)$/.exec(path);
  if (compat) return [`compat.${compat[1]}`];
  // A model entry's routing takes the provider's keys (the provider's row lists them).
  const routing = /^models\.providers\.<id>\.models\[\]\.routing\.([^.]+)$/.exec(path);
  if (routing) return [`models.providers.<id>.routing.${routing[1]}`];
  return [path];
}

test("every key of the config schema has a row in docs/config.md, with its default; every row names a key", () => {
  const paths = schemaPaths();
  const rows = documentedRows();
  const undocumented = [...paths].filter((path) => {
    if (path === "agents.list" || path === "agents.list[]" || path === "agents.list[].id" || path === "agents.list[].name") return false; // said in the agents.defaults section's prose
    return !asDocumented(path).some((wanted) =>
      rows.some((row) => {
        if (row.path === wanted) return true;
        // An object documented by the rows of its keys (`tools`, `gateway.limits`), or a row that names its sub-keys in its text (`cost`, `keepWarm`, `routing`).
        if (row.path.startsWith(`${wanted}.`) || row.path.startsWith(`${wanted}[`)) return true;
        if (!wanted.startsWith(`${row.path}.`)) return false;
        const leaf = wanted.slice(row.path.length + 1);
        return !leaf.includes(".") && row.cells.join(" ").includes(leaf);
      }),
    );
  });
  assert.deepEqual(undocumented, [], "keys of the schema without a row in docs/config.md");
  const known = new Set([...paths].flatMap(asDocumented));
  const stray = rows.filter((row) => !known.has(row.path) && ![...known].some((path) => path.startsWith(`${row.path}.`) || path.startsWith(`${row.path}[`)));
  assert.deepEqual(stray.map((row) => row.path), [], "rows of docs/config.md that name no key of the schema");
  const withoutDefault = rows.filter((row) => !row.path.startsWith("compat.") && (row.cells.length < 2 || (row.cells.at(-1) ?? "") === ""));
  assert.deepEqual(withoutDefault.map((row) => row.path), [], "rows without a default column");
});
