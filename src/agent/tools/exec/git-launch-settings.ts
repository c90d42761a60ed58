import { execFile } from "node:child_process";
import { devNull } from "node:os";
import type { Refusal } from "./parse-options.js";

/**
 * Settings git takes over any repository's own config (command-line scope): a bare repository inside
 * a cloned tree is never used unless named (its config, written by whoever made the tree, could run
 * programs through core.fsmonitor, gpg.program, textconv…), no fsmonitor, hook, pager or credential
 * helper runs, and git reaches no repository through ssh or a remote helper whatever the URL looks like.
 */
export const GIT_SAFETY: readonly (readonly [string, string])[] = [
  ["safe.bareRepository", "explicit"],
  ["core.fsmonitor", "false"],
  ["core.hooksPath", devNull],
  ["core.pager", "cat"],
  // An empty value clears the list of helpers read so far.
  ["credential.helper", ""],
  ["protocol.ssh.allow", "never"],
  ["protocol.ext.allow", "never"],
];

/**
 * Settings for git run with no OS sandbox: symlinks in what git writes (a clone's checkout) become
 * small text files holding the target, so no repository brings a link into the working directory
 * (one to the config, the state dir or `~/.ssh` would be read and written through: check-links.ts).
 */
export const GIT_UNSANDBOXED: readonly (readonly [string, string])[] = [["core.symlinks", "false"]];

/**
 * The environment every git run gets: neither the system's nor the user's config is read (exec can
 * write `~/.gitconfig` with no sandbox; a driver there would run), so the only config git reads is the
 * repository's own, in its `.git`, which exec never writes (check-git-dirs.ts).
 */
export const GIT_CONFIG_SCOPE: Readonly<Record<string, string>> = { GIT_CONFIG_GLOBAL: devNull, GIT_CONFIG_NOSYSTEM: "1" };

export function gitConfigEnv(settings: readonly (readonly [string, string])[]): Record<string, string> {
  const env: Record<string, string> = { ...GIT_CONFIG_SCOPE, GIT_CONFIG_COUNT: String(settings.length) };
  settings.forEach(([key, value], index) => {
    env[`GIT_CONFIG_KEY_${index}`] = key;
    env[`GIT_CONFIG_VALUE_${index}`] = value;
  });
  return env;
}

/** Key names (the part after the last dot) that name a program git starts. */
const PROGRAM_KEYS = new Set([
  "textconv", "command", "cmd", "driver", "clean", "smudge", "process", "program", "helper", "hookspath", "fsmonitor", "pager", "editor", "sshcommand", "askpass", "gitproxy",
  "external", "uploadpack", "receivepack", "packobjectshook", "alternaterefscommand", "difffilter", "browser", "proxycommand",
  // gpg verifying signatures: log.showSignature, and a format (format.pretty, pretty.<name>) with %G placeholders.
  "showsignature", "pretty",
]);
/** Sections whose every key names a program or a command line. */
const PROGRAM_SECTIONS = new Set(["alias", "pager", "difftool", "mergetool", "hook", "man", "browser", "instaweb", "sendemail", "gpg", "pretty"]);

/** Whether a config key (as `git config --list` prints it: section and name lower case) makes git start a program. */
export function startsProgram(key: string): boolean {
  const section = key.slice(0, key.indexOf(".")).toLowerCase();
  const name = key.slice(key.lastIndexOf(".") + 1).toLowerCase();
  if (PROGRAM_SECTIONS.has(section) || PROGRAM_KEYS.has(name)) return true;
  return section === "submodule" && name === "update";
}

export interface RepositoryConfigCheck {
  program: string;
  /** git's own options before the subcommand (`-C dir`…): the repository the run will use. */
  topLevel: readonly string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
}

/**
 * The repository's config as git itself reads it for this run (includes, a linked worktree's
 * commondir, config.worktree), just before it runs: a key that starts a program (a textconv, diff
 * or filter driver, fsmonitor, an alias…) from any file is refused. exec never writes into `.git`
 * (check-git-dirs.ts); this catches what reached it some other way — an archive extracted in the
 * sandbox through a link or a hard link, a repository that came with such config — at the moment of
 * use (exec runs one call at a time, so nothing changes it in between).
 */
export async function refusedRepositoryConfig(check: RepositoryConfigCheck): Promise<Refusal | undefined> {
  const listing = await new Promise<string | undefined>((resolve) => {
    execFile(check.program, [...check.topLevel, "config", "--list", "--show-origin", "--includes", "-z"], { cwd: check.cwd, env: check.env, timeout: 10_000, maxBuffer: 4 * 1024 * 1024 }, (error, stdout) => resolve(error ? undefined : stdout));
  });
  // No listing (not a repository, a -C that does not exist): git will say so itself, and read no repository config.
  if (listing === undefined) return undefined;
  const fields = listing.split("\0");
  for (let index = 0; index + 1 < fields.length; index += 2) {
    const origin = fields[index] as string;
    const entry = fields[index + 1] as string;
    if (origin.startsWith("command line:")) continue;
    const key = entry.split("\n", 1)[0] as string;
    if (startsProgram(key)) {
      return {
        argument: check.topLevel.join(" ") || "git",
        reason: `the repository's config (${origin.replace(/^file:/, "")}) sets ${key}, which makes git start a program; exec runs git only in repositories whose config starts none (remove the setting, or run git yourself)`,
      };
    }
  }
  return undefined;
}
