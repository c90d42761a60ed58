import { defineOwn } from "../shared/secret-redactor.js";
import type { ConfigProblem } from "./problems.js";
import { WrittenKeys, type ValueReference } from "./written-keys.js";

const REFERENCE = /\$\$\{|\$\{([^}]*)\}/g;
const BARE_REFERENCE = /(^|[^$])\$([A-Z_][A-Z0-9_]*)\b/;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const WHOLE_REFERENCE = /^\$\{\s*[A-Za-z_][A-Za-z0-9_]*\s*\}$/;

export interface SubstitutionResult {
  value: unknown;
  problems: ConfigProblem[];
  /** The variables used, name → value, for `config show` and the logs to hide the secret ones. */
  used: Map<string, string>;
  /** The keys written with `${VAR}`, by their substituted paths: for naming and locating problems as written. */
  keys: WrittenKeys;
}

/** Where else a variable may be set than the environment: a file such as `~/.hearth/gateway.env`, read only when a variable is missing. */
export interface EnvFallback {
  env: NodeJS.ProcessEnv;
  /** The file's path, named in the error for a variable set in neither. */
  file: string;
  read: () => ReadonlyMap<string, string>;
}

/**
 * Replaces `${VAR}` in every string value and object key with the variable's value; `$${VAR}` stands for a literal
 * `${VAR}`. A variable the environment does not set is looked up in the fallback file, if given; one
 * set in neither is an error naming it and the key path; `$VAR` without braces, which
 * is never substituted, draws a warning.
 */
export function substituteEnv(value: unknown, source: NodeJS.ProcessEnv | EnvFallback): SubstitutionResult {
  const problems: ConfigProblem[] = [];
  const used = new Map<string, string>();
  const keys = new WrittenKeys();
  const fallback = isFallback(source) ? source : undefined;
  const env = fallback ? fallback.env : (source as NodeJS.ProcessEnv);
  let fromFile: ReadonlyMap<string, string> | undefined;
  /** Where the last variable looked up was found: the environment, or the fallback file (gateway.env). */
  let foundIn: ValueReference["from"] = "env";
  const lookup = (name: string): string | undefined => {
    const set = env[name];
    foundIn = "env";
    if ((set !== undefined && set !== "") || !fallback) return set;
    fromFile ??= fallback.read();
    foundIn = "gateway.env";
    return fromFile.get(name);
  };

  // `path` is the substituted one (every problem's); `writtenPath` the file's, for a problem only the text can place.
  const visit = (node: unknown, path: (string | number)[], writtenPath: (string | number)[]): unknown => {
    if (typeof node === "string") return substituteString(node, path);
    if (Array.isArray(node)) return node.map((item, index) => visit(item, [...path, index], [...writtenPath, index]));
    if (node !== null && typeof node === "object") {
      // Keys as values ("lms/${MODEL}" in agents.defaults.models): a reference names the same thing in either place.
      const out: Record<string, unknown> = {};
      const writtenAs = new Map<string, string>();
      for (const [written, child] of Object.entries(node)) {
        const said = problems.length;
        const key = written.includes("$") ? substituteString(written, [...path, written]) : written;
        // At the key as it stands in the result, so that what is left out for the problem is that entry.
        for (const problem of problems.slice(said)) problem.path = [...path, key];
        const earlier = writtenAs.get(key);
        if (earlier !== undefined) {
          // At this entry, as written: by its substituted path it would be named and located as the one it repeats.
          problems.push({ severity: "error", path: [...writtenPath, written], pathAsWritten: true, message: `"${written}" is "${key}" once its variables are substituted, the same key as ${earlier === key ? "the one" : `"${earlier}"`} beside it; only one can count: merge them` });
          continue;
        }
        writtenAs.set(key, written);
        if (key !== written) keys.record([...path, key], written);
        defineOwn(out, key, visit(child, [...path, key], [...writtenPath, written]));
      }
      return out;
    }
    return node;
  };

  const substituteString = (text: string, path: (string | number)[]): string => {
    const bare = BARE_REFERENCE.exec(text.replace(REFERENCE, ""));
    if (bare) {
      problems.push({
        severity: "warning",
        path,
        message: `"$${bare[2]}" is not substituted; write "\${${bare[2]}}" to use the environment variable`,
      });
    }
    return text.replace(REFERENCE, (match, name: string | undefined) => {
      if (match === "$${") return "${";
      const variable = (name ?? "").trim();
      if (!NAME.test(variable)) {
        problems.push({ severity: "error", path, message: `"\${${name ?? ""}}" is not a valid environment variable reference` });
        return match;
      }
      const found = lookup(variable);
      if (found === undefined || found === "") {
        problems.push({
          severity: "error",
          path,
          message: fallback
            ? `environment variable ${variable} is not set (referenced as "\${${variable}}"), nor in ${fallback.file}; add ${variable}=… there (every command and the installed gateway service read it), export it, or write the value in the config`
            : `environment variable ${variable} is not set (referenced as "\${${variable}}"); set it, or write the value in the config`,
        });
        return match;
      }
      used.set(variable, found);
      // A value that is this reference alone (`apiKey: "${ACME_KEY}"`): where it came from is told where the value is (key advice).
      if (WHOLE_REFERENCE.test(text)) keys.recordReference(path, { variable, from: foundIn });
      return found;
    });
  };

  return { value: visit(value, [], []), problems, used, keys };
}

function isFallback(source: NodeJS.ProcessEnv | EnvFallback): source is EnvFallback {
  return typeof (source as { read?: unknown }).read === "function";
}
