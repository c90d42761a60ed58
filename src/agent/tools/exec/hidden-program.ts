import { open, realpath } from "node:fs/promises";
import { dirname } from "node:path";
import { within } from "./working-directory.js";

export interface HiddenProgramCheck {
  /** The name the model called (`mytool`). */
  command: string;
  /** The program's path as found on PATH outside the sandbox. */
  found: string;
  /** The working directory (real path): bound back into the sandbox even inside a hidden folder. */
  cwd: string;
  /** Folders the sandbox covers with empty ones (sandbox-places.ts), real paths. */
  hidden: readonly string[];
  /** Files it covers with /dev/null. */
  hiddenFiles: readonly string[];
  /** The home folders among `hidden`, real paths: $HOME first, then the account's own when it differs. */
  homes: readonly string[];
  /** The state dir, as exec was given it. */
  stateDir: string;
  /** The PATH the program gets (an interpreter named by `#!/usr/bin/env NAME` is looked up on it). */
  path: string;
  /** Finds a program on a PATH as exec's spawn would. */
  findExecutable(program: string, path: string): Promise<string | undefined>;
}

/**
 * Why the program cannot start inside the sandbox, in a user's words, or undefined when nothing it
 * needs to start is hidden: the program file (or the folder it was found in, or where a link to it
 * leads) or its interpreter (`#!` line, `#!/usr/bin/env NAME` looked up on PATH) lying in a folder the
 * sandbox covers — a home folder (pyenv, nvm, `~/.local/bin`), the state dir, /run. Without this the
 * only words are prlimit's or bwrap's "failed to execute …: No such file or directory". Showing the
 * folder instead would show what it holds (keys, the shell files where keys are exported), so it stays hidden.
 */
export async function hiddenProgramNote(check: HiddenProgramCheck): Promise<string | undefined> {
  const program = await hiddenAt(check.found, check);
  if (program) return note(check, { what: `it is ${check.found}`, ...program });
  const interpreter = await interpreterOf(check);
  const hiddenInterpreter = interpreter ? await hiddenAt(interpreter, check) : undefined;
  if (interpreter && hiddenInterpreter) return note(check, { what: `its interpreter (from the #! line of ${check.found}) is ${interpreter}`, ...hiddenInterpreter });
  return undefined;
}

async function hiddenAt(path: string, check: HiddenProgramCheck): Promise<{ folder: string } | undefined> {
  const real = (at: string) => realpath(at).catch(() => at);
  // Where the sandbox looks for it: the folder as written (a link in it is read inside), and where a link to the file leads.
  for (const at of [await real(dirname(path)), await real(path)]) {
    if (within(at, check.cwd)) continue;
    const folder = check.hidden.find((place) => within(at, place)) ?? check.hiddenFiles.find((file) => file === at);
    if (folder) return { folder };
  }
  return undefined;
}

function note(check: HiddenProgramCheck, found: { what: string; folder: string }): string {
  const home = check.homes.indexOf(found.folder);
  // homes[0] is $HOME; a later one the account's own (its passwd entry), hidden as well when $HOME names another.
  const also = home > 0 ? ` (as it hides $HOME, ${check.homes[0] ?? ""})` : "";
  const where = home >= 0
    ? `under ${home > 0 ? "the account's own home folder" : "the home folder"} ${found.folder}, which the sandbox hides${also} with all it holds (keys, logins, the shell files where keys are exported, your documents)`
    : `in ${found.folder}, which the sandbox hides (${within(found.folder, check.stateDir) || found.folder === check.stateDir ? "hearth's state dir: sessions, logs and credentials" : "sockets and session secrets"})`;
  return (
    `"${check.command}" cannot run in exec's sandbox: ${found.what}, ${where}. ` +
    `Install it outside that folder (system-wide, e.g. /usr/local/bin or /opt) and put that first on PATH, or name a copy outside it by its full path in tools.exec.commands; ` +
    `tools.exec.sandbox "off" would run it, and every other program, with the argument guard alone`
  );
}

/** The interpreter a `#!` line names: its path, or for `/usr/bin/env NAME` where NAME is found on PATH. */
async function interpreterOf(check: HiddenProgramCheck): Promise<string | undefined> {
  const file = await open(check.found, "r").catch(() => undefined);
  if (!file) return undefined;
  const head = Buffer.alloc(256);
  try {
    const { bytesRead } = await file.read(head, 0, head.length, 0);
    const line = head.subarray(0, bytesRead).toString("utf8").split("\n", 1)[0] ?? "";
    if (!line.startsWith("#!")) return undefined;
    const [interpreter, ...words] = line.slice(2).trim().split(/\s+/);
    if (!interpreter) return undefined;
    if (!/(^|\/)env$/.test(interpreter)) return interpreter;
    const name = words.find((word) => !word.startsWith("-") && !word.includes("="));
    return name ? check.findExecutable(name, check.path) : undefined;
  } finally {
    await file.close();
  }
}
