import { shellQuote } from "../shared/shell-quote.js";
import type { Severity } from "./security/finding.js";

/** The files whose mode doctor and the security audit both judge: the config, the state directory, the gateway's env file. */
export type GuardedRole = "config" | "state" | "env";

/** One file's mode, judged once for both commands: the same id, severity, words and fix in doctor and in the audit. */
export interface PermissionJudgement {
  id: "config-permissions" | "state-permissions" | "env-file-permissions";
  /** The audit's scale; doctor shows high as an error, medium as a warning, low as a note (both exit 1 on high). */
  severity: Severity;
  title: string;
  detail: string;
  /** The command that makes it owner-only, its path quoted for the shell. */
  fix: string;
  /** The owner-only mode the fix sets. */
  wanted: number;
}

const IDS = { config: "config-permissions", state: "state-permissions", env: "env-file-permissions" } as const;
const WANTED = { config: 0o600, state: 0o700, env: 0o600 } as const;
const NAMES = { config: "the config file", state: "the state directory", env: "the gateway's env file" } as const;
const HOLDS = {
  config: "It may hold keys and says which servers and tools the agent has.",
  state: "It holds every conversation, the agent's notes and the gateway's log.",
  env: "It holds the keys and the gateway token the installed service and every command read: anyone who reads it uses your providers and your gateway as you.",
} as const;

export const octalMode = (mode: number): string => `0${(mode & 0o777).toString(8)}`;

/**
 * Undefined when owner-only (no group or other bit). Otherwise: the env file (nothing but secrets) is
 * high whatever bit is set; readable by every user, the state directory (every conversation) is high
 * and the config (perhaps keys) medium; open to the group only (or other bits that give no read), low.
 */
export function judgePermissions(file: { role: GuardedRole; path: string; mode: number }): PermissionJudgement | undefined {
  const mode = file.mode & 0o777;
  if ((mode & 0o077) === 0) return undefined;
  const everyone = (mode & 0o004) !== 0;
  const severity: Severity = file.role === "env" ? "high" : !everyone ? "low" : file.role === "state" ? "high" : "medium";
  const who = everyone ? "every user of this machine" : "other users of this machine (its group)";
  return {
    id: IDS[file.role],
    severity,
    title: `${NAMES[file.role]} ${file.path} is open to ${who} (mode ${octalMode(mode)})`,
    detail: HOLDS[file.role],
    fix: `chmod ${octalMode(WANTED[file.role]).slice(1)} ${shellQuote(file.path)}`,
    wanted: WANTED[file.role],
  };
}
