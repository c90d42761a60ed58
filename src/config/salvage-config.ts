import type { ConfigPath } from "./json5-locate.js";
import type { ConfigProblem, PartialConfig } from "./problems.js";
import { configSchema } from "./schema/index.js";
import { schemaIssuesToProblems } from "./format-schema-issues.js";
import { causedByRemoval, isWithin } from "./removal-zones.js";

/** Enough for any real nesting of "left out a key, then its object": each round goes one level up at most. */
const MAX_ROUNDS = 12;

/**
 * Leaves out, round by round, each part an error points at (a key the schema then misses takes its
 * object with it) until the rest passes the schema. Undefined when nothing would be left to check
 * (an error about the whole file). `leftOut`: paths (in the file's terms) already taken out of `value`.
 */
export function salvageConfig(value: unknown, errors: readonly ConfigProblem[], leftOut: readonly ConfigPath[] = []): PartialConfig | undefined {
  const working = structuredClone(value);
  // Parts already out of `value` (keys naming object internals): what they could have named follows from them too.
  const removed: ConfigPath[] = [...leftOut];
  // Per array (by its path in the file): the file's index of each item still in `working`.
  const kept = new Map<string, number[]>();
  const originalPath = (path: ConfigPath): ConfigPath => {
    const out: (string | number)[] = [];
    for (const segment of path) out.push(typeof segment === "number" ? (kept.get(JSON.stringify(out))?.[segment] ?? segment) : segment);
    return out;
  };
  const followsFrom = (problem: ConfigProblem): boolean => causedByRemoval(problem, { removed, value });
  const found: ConfigProblem[] = [];

  let pending: ConfigPath[] = errors.map((problem) => problem.path);
  for (let round = 0; round < MAX_ROUNDS; round++) {
    // Later places first: taking an item out of a list leaves the indices before it as they were.
    const ordered = [...pending].sort(comparePaths).reverse();
    const taken: ConfigPath[] = [];
    for (const path of ordered) {
      if (taken.some((done) => isWithin(path, done))) continue;
      const at = removePath(working, path);
      if (at === undefined) return undefined;
      const original = originalPath(at);
      const container = at.slice(0, -1);
      const last = at[at.length - 1];
      if (typeof last === "number") {
        const key = JSON.stringify(originalPath(container));
        const indices = kept.get(key) ?? Array.from({ length: (lengthAt(working, container) ?? 0) + 1 }, (_, index) => index);
        indices.splice(last, 1);
        kept.set(key, indices);
      }
      removed.push(original);
      taken.push(at);
    }
    const result = configSchema.safeParse(working, { reportInput: true, jitless: true });
    if (result.success) return { config: result.data, problems: found, originalPath, followsFrom };
    pending = [];
    for (const problem of schemaIssuesToProblems(result.error.issues, configSchema)) {
      const inFile = { ...problem, path: originalPath(problem.path) };
      // A key now missing because it was left out: its object goes too, and nothing is said about it.
      const cause = removed.find((path) => isWithin(inFile.path, path));
      if (cause) pending.push(problem.path.slice(0, cause.length - 1));
      else {
        // Checks of a whole run once its parts pass: said unless the parts left out could be the cause.
        if (!followsFrom(inFile)) found.push(inFile);
        pending.push(problem.path);
      }
    }
  }
  return undefined;
}

/** Takes out what is at `path` (or, where the path leads past what is there, the last thing it reaches); the path taken out, undefined for the whole file. */
function removePath(root: unknown, path: ConfigPath): ConfigPath | undefined {
  if (path.length === 0) return undefined;
  let node: unknown = root;
  for (let depth = 0; depth < path.length; depth++) {
    const segment = path[depth] as string | number;
    const isLast = depth === path.length - 1;
    const child = childOf(node, segment);
    if (child === undefined || (!isLast && (child === null || typeof child !== "object"))) {
      // Missing (a required key), or a value that is not the object the path goes into: the thing that holds it goes.
      const at = child === undefined ? path.slice(0, depth) : path.slice(0, depth + 1);
      if (at.length === 0) return undefined;
      return removePath(root, at);
    }
    if (isLast) {
      if (Array.isArray(node) && typeof segment === "number") node.splice(segment, 1);
      else Reflect.deleteProperty(node as object, String(segment));
      return path;
    }
    node = child;
  }
  return undefined;
}

function childOf(node: unknown, segment: string | number): unknown {
  if (node === null || typeof node !== "object") return undefined;
  if (Array.isArray(node)) return typeof segment === "number" ? node[segment] : undefined;
  return Object.hasOwn(node, segment) ? (node as Record<string, unknown>)[String(segment)] : undefined;
}

function lengthAt(root: unknown, path: ConfigPath): number | undefined {
  let node: unknown = root;
  for (const segment of path) node = childOf(node, segment);
  return Array.isArray(node) ? node.length : undefined;
}

function comparePaths(a: ConfigPath, b: ConfigPath): number {
  for (let index = 0; index < Math.min(a.length, b.length); index++) {
    const left = a[index];
    const right = b[index];
    if (left === right) continue;
    if (typeof left === "number" && typeof right === "number") return left - right;
    return String(left) < String(right) ? -1 : 1;
  }
  return a.length - b.length;
}
