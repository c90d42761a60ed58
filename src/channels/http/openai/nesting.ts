import { badRequest } from "./request-problem.js";

/** How deep a request's JSON may nest: far past any real one (a tool's JSON Schema, content parts), far short of what the stack can walk. */
export const MOST_NESTING = 64;

interface Place {
  value: unknown;
  depth: number;
  parent: Place | undefined;
  key: string | number;
}

/**
 * Refuses a body that nests deeper than MOST_NESTING, naming where: such a body would break the
 * functions that walk it (its copy, its token estimate, its masking) on a fault, not on its sender.
 * Walked with a list, not recursion, and stopped at the first place too deep.
 */
export function refuseDeepNesting(body: unknown): void {
  const pending: Place[] = [{ value: body, depth: 0, parent: undefined, key: "" }];
  for (let place = pending.pop(); place; place = pending.pop()) {
    const { value, depth } = place;
    if (value === null || typeof value !== "object") continue;
    if (depth >= MOST_NESTING) throw badRequest(pathOf(place), `nests deeper than ${MOST_NESTING} levels of objects and arrays; hearth takes no deeper (a real tool schema or message needs far fewer)`);
    if (Array.isArray(value)) value.forEach((item: unknown, index) => pending.push({ value: item, depth: depth + 1, parent: place, key: index }));
    else for (const [key, item] of Object.entries(value)) pending.push({ value: item, depth: depth + 1, parent: place, key });
  }
}

/** `tools[0].function.parameters.properties.a` — as the request's other errors name a field. */
function pathOf(place: Place): string {
  const keys: (string | number)[] = [];
  for (let at: Place | undefined = place; at?.parent; at = at.parent) keys.unshift(at.key);
  return keys.map((key, index) => (typeof key === "number" ? `[${key}]` : /^[A-Za-z_$][\w$]*$/.test(key) ? `${index === 0 ? "" : "."}${key}` : `[${JSON.stringify(key)}]`)).join("");
}
