/** What the config's walks read of a zod schema's definition (zod 4's `_zod.def`). */
export interface SchemaDef {
  type: string;
  shape?: Record<string, unknown>;
  innerType?: unknown;
  keyType?: unknown;
  valueType?: unknown;
  element?: unknown;
  options?: readonly unknown[];
  in?: unknown;
  out?: unknown;
}

export function defOf(schema: unknown): SchemaDef | undefined {
  return (schema as { _zod?: { def?: SchemaDef } } | undefined)?._zod?.def;
}

/** The schema inside its wrappers (optional, default, prefault, a preprocess or refinement pipe). */
export function unwrap(schema: unknown): unknown {
  let current = schema;
  for (let depth = 0; depth < 10; depth++) {
    const def = defOf(current);
    if (!def) return current;
    if (def.innerType !== undefined) current = def.innerType;
    else if (def.type === "pipe") current = defOf(def.out)?.type === "transform" ? def.in : def.out;
    else return current;
  }
  return current;
}
