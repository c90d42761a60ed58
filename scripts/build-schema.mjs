// Writes schema/hearth.schema.json from the config schema (src/config/schema, via
// src/config/json-schema.ts), so editors can complete and check hearth.json5. Runs after `tsc` in
// `npm run build`.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const { configJsonSchema } = await import(join(root, "dist/config/json-schema.js"));
const file = join(root, "schema/hearth.schema.json");
mkdirSync(dirname(file), { recursive: true });
writeFileSync(file, `${JSON.stringify(configJsonSchema(), null, 2)}\n`);
