// Writes schema/hearth.schema.json from the config schema (src/config/schema), so editors can
// complete and check hearth.json5. Runs after `tsc` in `npm run build`.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const { configSchema } = await import(join(root, "dist/config/schema/index.js"));
const schema = {
  ...z.toJSONSchema(configSchema, { io: "input", unrepresentable: "any" }),
  title: "hearth config",
  description: "hearth.json5: providers, models, aliases and the agent's model chain. Generated from src/config/schema by npm run build.",
};
const file = join(root, "schema/hearth.schema.json");
mkdirSync(dirname(file), { recursive: true });
writeFileSync(file, `${JSON.stringify(schema, null, 2)}\n`);
