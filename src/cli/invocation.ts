import { shellQuote } from "../shared/shell-quote.js";
import { accessSync, constants, realpathSync } from "node:fs";
import { basename, delimiter, isAbsolute, join, relative } from "node:path";

export interface InvocationContext {
  /** The script Node runs (`process.argv[1]`): absolute, symlinks not resolved. */
  script: string;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

/**
 * How the user can type this command again: `hearth` when that name on PATH is this very script,
 * `npx hearth` under npm exec, else the script's path as typed from here (`./bin/hearth` in a
 * checkout), so that every hint in a message can be pasted and works.
 */
export function invokedAs(context: InvocationContext): string {
  const name = basename(context.script);
  if (context.env.npm_command === "exec") return `npx ${name}`;
  const onPath = firstOnPath(name, context.env.PATH ?? "");
  if (onPath !== undefined && sameFile(onPath, context.script)) return name;
  const fromHere = relative(context.cwd, context.script);
  const path = fromHere !== "" && !fromHere.startsWith("..") && !isAbsolute(fromHere) ? `./${fromHere}` : context.script;
  return shellQuote(path);
}

function firstOnPath(name: string, path: string): string | undefined {
  for (const directory of path.split(delimiter)) {
    if (directory === "") continue;
    const candidate = join(directory, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

function sameFile(a: string, b: string): boolean {
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return false;
  }
}
