import { SECRET_VARIABLE } from "../shared/secret-redactor.js";
import { pathKey, type ConfigPath } from "./json5-locate.js";

/** `models.providers.lmstudio.models[0].id`; keys that are not plain names are quoted: `models["a/b"]`. */
export function formatPath(path: ConfigPath): string {
  let out = "";
  for (const segment of path) {
    if (typeof segment === "number") out += `[${segment}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(segment)) out += out === "" ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out === "" ? "(top level)" : out;
}

/** A value written as one `${VAR}`: the variable, set in the environment or in gateway.env. */
export interface ValueReference {
  variable: string;
  from: "env" | "gateway.env";
}

/** One key the file writes with `${VAR}` in it. */
interface WrittenKey {
  written: string;
  /** Substituted from a variable whose name looks secret (…_KEY, …_TOKEN): what it became is never shown. */
  secret: boolean;
}

/**
 * The object keys a config writes with `${VAR}`, by the path they have once substituted. Every check
 * runs on the substituted config, so its problems have substituted paths ("models.providers.acme");
 * the user's file says `"${MY_PROVIDER}"`. A problem is named and located by the path as written.
 */
export class WrittenKeys {
  private readonly keys = new Map<string, WrittenKey>();
  /** The values written as one `${VAR}` and nothing else, by path: the variable, and where it was set. */
  private readonly references = new Map<string, ValueReference>();

  /** A value the file writes as `${variable}` alone (an `apiKey: "${ACME_KEY}"`), found in `from`. */
  recordReference(path: ConfigPath, reference: ValueReference): void {
    this.references.set(pathKey(path), reference);
  }

  /** The variable a value written as `${VAR}` alone came from, and where it was set; undefined for a value written otherwise. */
  reference(path: ConfigPath): ValueReference | undefined {
    return this.references.get(pathKey(path));
  }

  /** `path` is the key's path once substituted (its parents' too); `written` is the key as the file has it. */
  record(path: ConfigPath, written: string): void {
    const variables = [...written.matchAll(/\$\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}/g)].map((match) => match[1] ?? "");
    this.keys.set(pathKey(path), { written, secret: variables.some((name) => SECRET_VARIABLE.test(name)) });
  }

  /** The path as the file writes it: each substituted key put back as written. */
  written(path: ConfigPath): ConfigPath {
    return path.map((segment, index) => (typeof segment === "string" ? (this.keys.get(pathKey(path.slice(0, index + 1)))?.written ?? segment) : segment));
  }

  /** The path as written, followed by what each `${VAR}` key in it became: `models.providers["${P}"].api ("${P}" is "acme")`. */
  format(path: ConfigPath): string {
    const became: string[] = [];
    path.forEach((segment, index) => {
      const key = typeof segment === "string" ? this.keys.get(pathKey(path.slice(0, index + 1))) : undefined;
      if (key && key.written !== segment) became.push(key.secret ? `${JSON.stringify(key.written)} is set (value hidden)` : `${JSON.stringify(key.written)} is ${JSON.stringify(segment)}`);
    });
    const written = formatPath(this.written(path));
    return became.length > 0 ? `${written} (${became.join(", ")})` : written;
  }
}

/** A path as a problem names it: as the file writes it, where `keys` knows the keys substituted in it. */
export function describePath(path: ConfigPath, keys: WrittenKeys | undefined): string {
  return keys ? keys.format(path) : formatPath(path);
}
