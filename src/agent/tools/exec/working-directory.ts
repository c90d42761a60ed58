import { realpath } from "node:fs/promises";
import { join, resolve, sep } from "node:path";
import { KEPT_BY_HEARTH, KEPT_BY_OTHERS, STATE_WORKSPACE } from "./guarded-places.js";
import type { Refusal } from "./parse-options.js";

export interface WorkingDirectoryCheck {
  /** The working directory exec would run in. */
  cwd: string;
  stateDir: string;
  /** hearth's places no program may read with no sandbox: the config file, gateway.env, /proc (the state dir is judged on its own). */
  places: readonly string[];
  /** Other programs' credential places (guarded-places.ts). */
  otherPlaces: readonly string[];
  /** Whether an OS sandbox runs the program: it hides the state dir and these places wherever the working directory is, except inside them. */
  sandboxed: boolean;
}

/**
 * Whether exec may work in this directory; the one decision for exec itself and for what
 * `hearth security audit` says of an agent. Refused, sandbox or not: a working directory inside the
 * state dir other than its workspace (the sandbox makes the working directory visible and writable,
 * so one at the state dir or in `sessions/` would hand over every transcript, the log and WhatsApp's
 * keys), or inside one of the places. With no sandbox, also one that holds the state dir or a place:
 * a program working there could reach it by recursion (`grep -ro . .`) or by a name built at run time.
 */
export async function refusedWorkingDirectory(check: WorkingDirectoryCheck): Promise<Refusal | undefined> {
  const real = (path: string) => realpath(path).catch(() => resolve(path));
  const root = await real(check.cwd);
  const state = await real(check.stateDir);
  const hearths = [state, ...(await Promise.all(check.places.map(real)))];
  const places = [...hearths.slice(1), ...(await Promise.all(check.otherPlaces.map(real)))];
  if (within(root, state) && !within(root, join(state, STATE_WORKSPACE))) {
    return {
      argument: check.cwd,
      reason: `the working directory ${root} lies in the state dir ${state}, where hearth keeps sessions, logs and credentials, and a program works freely in its working directory (sandboxed or not); set tools.exec.cwd to a folder outside it, or leave it unset for ${join(state, STATE_WORKSPACE)}`,
    };
  }
  const inside = places.find((place) => within(root, place));
  if (inside) return { argument: check.cwd, reason: `the working directory ${root} lies in ${inside}, ${hearths.includes(inside) ? KEPT_BY_HEARTH : KEPT_BY_OTHERS}; set tools.exec.cwd to a project folder` };
  if (check.sandboxed) return undefined;
  const held = [state, ...places].find((place) => within(place, root));
  if (!held) return undefined;
  return {
    argument: check.cwd,
    reason: `the working directory holds ${held}, ${hearths.includes(held) ? KEPT_BY_HEARTH : KEPT_BY_OTHERS}; with no sandbox a program working there could read it. Set tools.exec.cwd to a folder without it, or let exec run in the OS sandbox, which hides it (tools.exec.sandbox "auto" with bubblewrap installed)`,
  };
}

/** The working directory exec runs in: `tools.exec.cwd` relative to the state dir, or the state dir's workspace. */
export function execWorkingDirectory(stateDir: string, configured: string | undefined): string {
  return configured ? resolve(stateDir, configured) : join(stateDir, STATE_WORKSPACE);
}

/** `path` is `folder` or lies inside it. */
export function within(path: string, folder: string): boolean {
  return path === folder || path.startsWith(folder.endsWith(sep) ? folder : `${folder}${sep}`);
}
