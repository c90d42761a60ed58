import { homedir, userInfo } from "node:os";
import { join } from "node:path";

/**
 * Where other programs keep keys and logins, relative to the home folder: ssh and gpg keys, cloud and
 * registry logins, and the shell startup files where keys are exported (the README's own key setup
 * puts `ANTHROPIC_API_KEY` there). With no sandbox exec reads none of them, as it reads none of
 * hearth's own; the one list for the guard, the security audit's wording and docs/security.md.
 */
export const HOME_CREDENTIALS: readonly string[] = [
  ".ssh",
  ".gnupg",
  ".aws",
  ".azure",
  // gh's token, git's credential store, environment.d's exported keys, and every other program's logins.
  ".config",
  ".kube",
  ".docker",
  ".local/share/keyrings",
  ".password-store",
  ".mozilla",
  ".pki",
  ".netrc",
  ".git-credentials",
  ".npmrc",
  ".pypirc",
  ".bashrc",
  ".bash_profile",
  ".bash_login",
  ".bash_history",
  ".bash_aliases",
  ".bashrc.d",
  ".profile",
  ".zshrc",
  ".zshenv",
  ".zprofile",
  ".zlogin",
  ".zsh_history",
  ".zshrc.d",
  ".oh-my-zsh/custom",
  ".pam_environment",
];

/** In the state dir (guarded whole with no sandbox, workspace aside): a linked WhatsApp device's keys. */
export const STATE_CREDENTIALS: readonly string[] = ["credentials"];

/** What a refusal says of a place: hearth's own, or another program's. */
export const KEPT_BY_HEARTH = "where hearth keeps keys and conversations";
export const KEPT_BY_OTHERS = "where other programs keep keys and logins";

/** The folder exec may work in inside the state dir (its default working directory lies there). */
export const STATE_WORKSPACE = "workspace";

/**
 * The home folders whose credential places are guarded and which the sandbox hides: `home` (default
 * $HOME) and, when it differs, the account's own from its passwd entry (a service's
 * `Environment=HOME=…` or sudo keeping HOME would otherwise leave the real one in reach).
 */
export function homeFolders(home: string = homedir(), account: string | undefined = accountHome()): string[] {
  // An account whose passwd home is the root folder (a system user's) has no home to hide: "/" is everything.
  return [...new Set([home, ...(account === undefined || account === "/" ? [] : [account])])];
}

function accountHome(): string | undefined {
  try {
    return userInfo().homedir;
  } catch {
    return undefined;
  }
}

/** The home's credential places as paths. */
export function homeCredentialPlaces(home: string): string[] {
  return HOME_CREDENTIALS.map((place) => join(home, place));
}

/** The places named for a person: `~/.ssh, ~/.aws, …`. */
export function namedHomeCredentials(): string {
  return HOME_CREDENTIALS.map((place) => `~/${place}`).join(", ");
}

/** What the argument guard alone still keeps from a program (check-secrets.ts, working-directory.ts), for `hearth security audit`. */
export const GUARD_KEEPS = `; it can read what your user can and write only inside its working directory (never hearth's own install, a node_modules folder above it, a folder on PATH or a file your shell runs at login), and it refuses arguments leading to the state dir, the config file, gateway.env, /proc or the credential places of other programs (${namedHomeCredentials()}), or to a folder holding one, a working directory holding one or inside the state dir (its workspace aside), options that wait and open a file again by name, options that follow symlinks while walking folders or open files the arguments do not name, any call that names a symlink leading out of the working directory or a folder holding one, or a file that is another name (a hard link) of a file in those places, or a folder holding one, and any path it cannot look at; it makes no link itself (ln, link, cp -s/-l), git writes no symlink, and it removes any symlink a call leaves that leads out of the working directory; a program whose writes it cannot tell (unzip, patch, an interpreter) runs only while no link leads out of the working directory, and its arguments alone are judged; and, sandbox or not, it writes nothing into a repository's .git and runs git only where no config git reads starts a program`;
