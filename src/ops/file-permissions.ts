import { shellQuote } from "../shared/shell-quote.js";
import type { Severity } from "./security/finding.js";

/**
 * What doctor and the security audit both judge: the config file, the state directory, the gateway's
 * env file, and every directory on the way to them ("dir": ~/.hearth when apart from the state dir,
 * the config file's own directory, their parents) — one that others can write lets them put their own
 * file, or directory, in place of hearth's.
 */
export type GuardedRole = "config" | "state" | "env" | "dir";

/** One path as `guardedPaths` found it. */
export interface GuardedPath {
  role: GuardedRole;
  path: string;
  /** The permission bits and the sticky bit (`stat`'s mode; the file type bits are ignored). */
  mode: number;
  /** For "dir": what hearth reads or writes beneath it, in words ("the config file /home/ana/.hearth/hearth.json5"). */
  beneath?: string;
  /** For "dir": hearth's own directory (~/.hearth), made owner-only; any other is only made unwritable by others. */
  own?: boolean;
  /** For "dir": owned by another user (not root): only its owner can change its mode. */
  foreign?: boolean;
  /** Its group is its owner's private group (isPrivateGroup): the group's bits give no one else anything. */
  groupAlone?: boolean;
}

/** One path's mode, judged once for both commands: the same id, severity, words and fix in doctor and in the audit. */
export interface PermissionJudgement {
  id: "config-permissions" | "state-permissions" | "env-file-permissions" | "dir-permissions";
  /** The audit's scale; doctor shows high as an error, medium as a warning, low as a note (both exit 1 on high). */
  severity: Severity;
  title: string;
  detail: string;
  /** The command that closes it, its path quoted for the shell. */
  fix: string;
  /** The mode `hearth doctor --fix` sets; undefined where it sets none (a directory not hearth's own: its owner decides). */
  wanted: number | undefined;
}

export const PERMISSION_IDS = { config: "config-permissions", state: "state-permissions", env: "env-file-permissions", dir: "dir-permissions" } as const;
const WANTED = { config: 0o600, state: 0o700, env: 0o600 } as const;
const NAMES = { config: "the config file", state: "the state directory", env: "the gateway's env file" } as const;
const HOLDS = {
  config: "It may hold keys and says which servers and tools the agent has.",
  state: "It holds every conversation, the agent's notes and the gateway's log.",
  env: "It holds the keys and the gateway token the installed service and every command read: anyone who reads it uses your providers and your gateway as you.",
} as const;
const WRITTEN = {
  config: "Whoever can write it decides which servers the agent talks to and which tools it runs, as you.",
  state: "Whoever can write in it can replace or remove the conversations, the agent's notes, the log and the WhatsApp credentials, and plant files hearth reads back as its own.",
  env: "Whoever can write it sets the keys, the gateway token and any variable the service starts with.",
} as const;

export const octalMode = (mode: number): string => `0${(mode & 0o1777).toString(8)}`;

/** What the group's or the others' three bits allow: on a directory, writing needs w and x (entering), listing r; on a file, r reads and w writes. */
interface Access {
  reads: boolean;
  writes: boolean;
  enters: boolean;
}

function access(bits: number, directory: boolean): Access {
  const read = (bits & 4) !== 0;
  const write = (bits & 2) !== 0;
  const execute = (bits & 1) !== 0;
  return directory ? { reads: read, writes: write && execute, enters: execute } : { reads: read, writes: write, enters: false };
}

/** "every user of this machine" when the others may, "other users of this machine (its group)" when only the group may; undefined when neither. */
function who(group: boolean, other: boolean): string | undefined {
  return other ? "every user of this machine" : group ? "other users of this machine (its group)" : undefined;
}

/**
 * Undefined when no one but the owner can do anything that matters with it. Judged by what each bit
 * gives: written by others, high whatever the role (on a directory that is w with x; a directory not
 * hearth's own with the sticky bit, like /tmp, lets no one rename or remove what is yours in it, so it
 * is no risk); read by others: the env file (nothing but secrets) high, the state directory high and
 * the config medium when every user may, low when only the group may; a directory others may only
 * enter (x without r or w: they cannot list or change it, only open a file whose name they know, as
 * that file's own mode allows) is a note. A directory on the way (role "dir") is judged only on writing.
 * The group's bits count for nothing when the group is the owner's private group (`groupAlone`).
 */
export function judgePermissions(file: GuardedPath): PermissionJudgement | undefined {
  const mode = file.mode & 0o1777;
  const directory = file.role === "state" || file.role === "dir";
  const group = access(file.groupAlone ? 0 : (mode >> 3) & 7, directory);
  const other = access(mode & 7, directory);
  const writers = who(group.writes, other.writes);
  if (file.role === "dir") return writers === undefined ? undefined : dirJudgement(file, writers);
  const name = `${NAMES[file.role]} ${file.path}`;
  const fix = `chmod ${octalMode(WANTED[file.role]).slice(1)} ${shellQuote(file.path)}`;
  const judged = { id: PERMISSION_IDS[file.role], fix, wanted: WANTED[file.role] };
  if (writers !== undefined) return { ...judged, severity: "high", title: `${name} can be written by ${writers} (mode ${octalMode(mode)})`, detail: WRITTEN[file.role] };
  const readers = who(group.reads, other.reads);
  if (readers !== undefined) {
    const severity: Severity = file.role === "env" ? "high" : !other.reads ? "low" : file.role === "state" ? "high" : "medium";
    return { ...judged, severity, title: `${name} is open to ${readers} (mode ${octalMode(mode)})`, detail: HOLDS[file.role] };
  }
  const entering = who(group.enters, other.enters);
  if (entering === undefined) return undefined;
  return {
    ...judged,
    severity: "low",
    title: `${name} may be entered by ${entering} (mode ${octalMode(mode)}), not listed or changed`,
    detail: "They can open a file in it only by its exact name, and only as that file's own mode allows (hearth writes its files owner-only); nothing is open unless a file in it is.",
  };
}

/** A directory on the way to the config, the state or the env file that others can write. */
function dirJudgement(file: GuardedPath, writers: string): PermissionJudgement | undefined {
  const mode = file.mode & 0o1777;
  // Sticky (/tmp): others may add their own entries, never rename or remove yours — unless it is hearth's own, where an absent config or gateway.env could be planted.
  if ((mode & 0o1000) !== 0 && !file.own) return undefined;
  const path = shellQuote(file.path);
  const fix = file.foreign
    ? `its owner can run \`chmod go-w ${path}\`; else move hearth's files out of it (HEARTH_STATE_DIR, --config / HEARTH_CONFIG, HOME)`
    : file.own
      ? `chmod 700 ${path}`
      : `chmod go-w ${path}`;
  return {
    id: PERMISSION_IDS.dir,
    severity: "high",
    title: `the directory ${file.path}, on the way to ${file.beneath ?? "hearth's files"}, can be written by ${writers} (mode ${octalMode(mode)})`,
    detail: "Whoever can write in it can rename what is there and put their own file or directory in its place (or create one hearth looks for and does not find): hearth would then read their config, keys or state as yours.",
    fix,
    wanted: file.own && !file.foreign ? 0o700 : undefined,
  };
}
