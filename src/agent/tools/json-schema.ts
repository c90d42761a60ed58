import * as z from "zod";

/** The JSON Schema keywords a model needs to call a tool; the rest (`$schema`, formats, defaults, bounds) costs prompt tokens for little. */
const KEPT = new Set(["type", "properties", "required", "enum", "const", "description", "items", "anyOf", "additionalProperties"]);

/** A tool's zod parameters as the smallest JSON Schema that still says what to send. */
export function parametersSchema(parameters: z.ZodType): Record<string, unknown> {
  const full = z.toJSONSchema(parameters, { io: "input", unrepresentable: "any" });
  const compact = compactSchema(full);
  if (compact["type"] === "object" && compact["properties"] === undefined) compact["properties"] = {};
  return compact;
}

function compactSchema(node: unknown): Record<string, unknown> {
  if (typeof node !== "object" || node === null) return {};
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    if (!KEPT.has(key)) continue;
    if (key === "properties" && typeof value === "object" && value !== null) {
      result[key] = Object.fromEntries(Object.entries(value).map(([name, property]) => [name, compactSchema(property)]));
    } else if (key === "items") {
      result[key] = compactSchema(value);
    } else if (key === "anyOf" && Array.isArray(value)) {
      result[key] = value.map(compactSchema);
    } else if (key === "additionalProperties") {
      if (value === false) result[key] = false;
    } else if (key === "required") {
      if (Array.isArray(value) && value.length > 0) result[key] = value;
    } else {
      result[key] = value;
    }
  }
  return result;
}

/** `url (string, required), timezone (string)`: the parameters in one line, for error messages a weak model can act on. */
export function describeParameters(schema: Readonly<Record<string, unknown>>): string {
  const properties = schema["properties"];
  if (typeof properties !== "object" || properties === null) return "none";
  const required = new Set(Array.isArray(schema["required"]) ? schema["required"] : []);
  const parts = Object.entries(properties).map(([name, property]) => {
    const kind = describeType(property as Record<string, unknown>);
    return `${name} (${kind}${required.has(name) ? ", required" : ""})`;
  });
  return parts.length > 0 ? parts.join(", ") : "none";
}

function describeType(property: Record<string, unknown>): string {
  const values = property["enum"];
  if (Array.isArray(values)) return values.map((value) => JSON.stringify(value)).join(" | ");
  const type = property["type"];
  if (type === "array") {
    const items = property["items"];
    const itemType = typeof items === "object" && items !== null ? describeType(items as Record<string, unknown>) : "any";
    return `array of ${itemType}`;
  }
  return typeof type === "string" ? type : "any";
}
