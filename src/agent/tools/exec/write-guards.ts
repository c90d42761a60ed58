import { realpath } from "node:fs/promises";
import { delimiter, dirname, isAbsolute, join, parse, resolve } from "node:path";
import { followLinks } from "./check-places.js";
import { UncheckablePath } from "./file-status.js";
import { within } from "./working-directory.js";

/** A folder (or file) no exec call writes into, even inside its working directory, and what it is. */
export interface GuardedFolder {
  /** Its real path (where it would be, for one not there yet). */
  path: string;
  what: string;
  /** Only what lies directly in it (a PATH folder: programs are run from its entries), not deeper; else all of it. */
  entriesOnly?: boolean | undefined;
}

/**
 * What shells and desktop sessions run at login, relative to a home folder: shell startup files, the
 * files and folders the distributions' startup files source, the environment files installers add a `. "$HOME/.cargo/env"` line for (rustup, uv, ghcup, deno), version
 * managers' scripts the startup files source, and the folders of fish's and systemd's user config.
 * Written, any of them runs a program of the writer's choosing in your next shell.
 */
export const LOGIN_FILES: readonly string[] = [
  ".profile", ".bashrc", ".bash_profile", ".bash_login", ".bash_logout",
  // Sourced by the distributions' own .bashrc (Debian's .bash_aliases, Fedora's every file in .bashrc.d), zsh setups' and oh-my-zsh's.
  ".bash_aliases", ".bashrc.d", ".zshrc.d", ".oh-my-zsh/custom",
  ".zshrc", ".zshenv", ".zprofile", ".zlogin", ".zlogout",
  ".kshrc", ".mkshrc", ".cshrc", ".tcshrc", ".login", ".logout",
  ".xprofile", ".xsessionrc", ".xinitrc", ".pam_environment",
  ".config/fish", ".config/environment.d", ".config/autostart", ".config/systemd/user",
  ".cargo/env", ".cargo/env.fish", ".cargo/env.nu", ".local/bin/env", ".local/bin/env.fish", ".ghcup/env", ".deno/env",
  ".nvm/nvm.sh", ".sdkman/bin/sdkman-init.sh", ".rvm/scripts/rvm",
];

/** The system's own login files (a hearth running as root could reach them from a working directory above /etc). */
const SYSTEM_LOGIN_FILES: readonly string[] = ["/etc/profile", "/etc/profile.d", "/etc/bash.bashrc", "/etc/bashrc", "/etc/zsh", "/etc/zshenv", "/etc/zprofile", "/etc/zshrc", "/etc/environment"];

export interface WriteGuardOptions {
  /** hearth's own install (the folder holding bin/ and dist/). */
  installRoot: string | undefined;
  /** The PATH programs are run from (hearth's own). */
  path: string;
  /** The home folders (guarded-places.ts homeFolders): their login files. */
  homes: readonly string[];
  /** NODE_PATH as hearth runs with it: Node loads modules from its folders. */
  nodePath?: string | undefined;
  /** The node binary (process.execPath): Node's own global folder is `<prefix>/lib/node`. */
  nodeBinary?: string | undefined;
}

/**
 * The places no exec call writes into, each by its real path (or where it would be, for one not there
 * yet): hearth's own install (its `bin/` and `dist/` run the next time hearth starts) and the
 * `node_modules` it loads, wherever that link leads; every `node_modules` folder above either (Node looks
 * a package up in each parent folder's `node_modules` when the install lacks it: ws requires an optional
 * `bufferutil` that way), NODE_PATH's folders and Node's global ones (`~/.node_modules`,
 * `~/.node_libraries`, `<prefix>/lib/node`); what lies directly in a folder on PATH, there yet or not
 * (`git clone URL bin` would make one); and the files shells run at login (LOGIN_FILES: `~/.profile`,
 * `~/.cargo/env`…). A place this user cannot look at (no permission along it, longer than the system
 * takes) is guarded as written: what it cannot read it cannot write either, and one such PATH entry or
 * home must not make every call refused.
 */
export async function writeGuards(options: WriteGuardOptions): Promise<GuardedFolder[]> {
  const guarded: GuardedFolder[] = [];
  const whereItLeads = (path: string) => followLinks(parse(path).root, path).catch((error: unknown) => {
    if (error instanceof UncheckablePath) return resolve(path);
    throw error;
  });
  if (options.installRoot !== undefined) {
    const install = await realpath(options.installRoot).catch(() => undefined);
    if (install) guarded.push({ path: install, what: "hearth's own install (its bin/ and dist/ run the next time hearth starts)" });
    const modules = await realpath(join(options.installRoot, "node_modules")).catch(() => undefined);
    if (modules && (!install || !within(modules, install))) guarded.push({ path: modules, what: "the modules hearth loads" });
    const above = new Set<string>();
    for (const start of [install, modules]) for (let folder = start && dirname(start); folder && !above.has(folder); folder = dirname(folder) === folder ? undefined : dirname(folder)) above.add(folder);
    for (const folder of above) {
      guarded.push({ path: await whereItLeads(join(folder, "node_modules")), what: "a node_modules folder above hearth's install, where Node looks for a module the install lacks (ws's optional bufferutil, say) and runs it in the gateway" });
    }
  }
  const nodeFolders = [...(options.nodePath ?? "").split(delimiter), ...options.homes.flatMap((home) => [join(home, ".node_modules"), join(home, ".node_libraries")]), ...(options.nodeBinary ? [join(dirname(dirname(options.nodeBinary)), "lib", "node")] : [])];
  for (const folder of nodeFolders.filter((entry) => isAbsolute(entry))) guarded.push({ path: await whereItLeads(folder), what: "a folder Node loads modules from (NODE_PATH or its global folders)" });
  for (const entry of options.path.split(delimiter)) {
    if (!isAbsolute(entry)) continue;
    guarded.push({ path: await whereItLeads(entry), what: `a folder on PATH (${entry}), which programs are run from by name`, entriesOnly: true });
  }
  for (const file of [...options.homes.flatMap((home) => LOGIN_FILES.map((name) => join(home, name))), ...SYSTEM_LOGIN_FILES]) {
    guarded.push({ path: await whereItLeads(file), what: "a file your shell (or your session) runs at login, so what is written there runs as your user" });
  }
  return guarded;
}
