import * as z from "zod";
import { modelChainSchema } from "./schema/agents-section.js";
import { configSchema } from "./schema/index.js";

/** The schema's title: how `hearth init` tells its own earlier copy from a user's file of the same name. */
export const HEARTH_SCHEMA_TITLE = "hearth config";

/**
 * The config's JSON Schema for editors (`schema/hearth.schema.json`), from the one zod schema. The
 * `model` shorthand (a bare reference string) is a preprocessing step zod cannot express, so it is
 * added here as an alternative.
 */
export function configJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(configSchema, {
    io: "input",
    unrepresentable: "any",
    override: (context) => {
      if (context.zodSchema !== modelChainSchema) return;
      // The override edits in place: move the object form under anyOf beside the string form.
      const target = context.jsonSchema as Record<string, unknown>;
      const objectForm = { ...target };
      for (const key of Object.keys(target)) Reflect.deleteProperty(target, key);
      target.anyOf = [{ type: "string", minLength: 1, description: "the primary model, alone" }, objectForm];
    },
  }) as Record<string, unknown>;
  return {
    ...schema,
    title: HEARTH_SCHEMA_TITLE,
    description: "hearth.json5: providers, models, aliases, agents and their model chains. Generated from src/config/schema by npm run build.",
  };
}
