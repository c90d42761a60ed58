import { defineOwn } from "../shared/secret-redactor.js";
import type { ConfigProblem } from "./problems.js";

const REFERENCE = /\$\$\{|\$\{([^}]*)\}/g;
const BARE_REFERENCE = /(^|[^$])\$([A-Z_][A-Z0-9_]*)\b/;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface SubstitutionResult {
  value: unknown;
  problems: ConfigProblem[];
  /** Names of the environment variables used, for `config show` to hide their values. */
  used: Set<string>;
}

/**
 * Replaces `${VAR}` in every string value with the variable's value; `$${VAR}` stands for a literal
 * `${VAR}`. A missing variable is an error naming it and the key path; `$VAR` without braces, which
 * is never substituted, draws a warning.
 */
export function substituteEnv(value: unknown, env: NodeJS.ProcessEnv): SubstitutionResult {
  const problems: ConfigProblem[] = [];
  const used = new Set<string>();

  const visit = (node: unknown, path: (string | number)[]): unknown => {
    if (typeof node === "string") return substituteString(node, path);
    if (Array.isArray(node)) return node.map((item, index) => visit(item, [...path, index]));
    if (node !== null && typeof node === "object") {
      const out: Record<string, unknown> = {};
      for (const [key, child] of Object.entries(node)) defineOwn(out, key, visit(child, [...path, key]));
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
      const found = env[variable];
      if (found === undefined || found === "") {
        problems.push({
          severity: "error",
          path,
          message: `environment variable ${variable} is not set (referenced as "\${${variable}}"); set it, or write the value in the config`,
        });
        return match;
      }
      used.add(variable);
      return found;
    });
  };

  return { value: visit(value, []), problems, used };
}
