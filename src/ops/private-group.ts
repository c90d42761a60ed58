import { readFileSync } from "node:fs";

/** The account databases a private group is judged by (the files themselves, or their text in tests). */
export interface AccountFiles {
  /** /etc/passwd */
  passwd: string;
  /** /etc/group */
  group: string;
  /** /etc/nsswitch.conf; undefined where there is none (glibc then reads the files alone). */
  nsswitch: string | undefined;
}

/** NSS sources that add no member the files do not list (systemd's adds only its own dynamic users and groups). */
const LOCAL_SOURCES = new Set(["files", "compat", "systemd"]);

/**
 * Whether `gid` is the user private group of the user `uid`: the convention of Debian, Ubuntu, Fedora
 * and most Linux systems (each user's own group, named after them, theirs alone), under which the
 * default umask is 002 and every file a user makes is group-writable — by nobody but its owner.
 * True only when the account files say so beyond doubt: on Linux; accounts and groups from the local
 * files alone (a directory service could add members no file lists); the group is the user's primary
 * group and has their name; no other user names it as primary and its member list names no one else.
 * Never for root (uid 0), whose group others are often made members of, as pam_umask also excepts it.
 */
export function isPrivateGroup(gid: number, uid: number, files: AccountFiles): boolean {
  if (uid === 0) return false;
  if (files.nsswitch !== undefined && !(localOnly(files.nsswitch, "passwd") && localOnly(files.nsswitch, "group"))) return false;
  // NIS entries (`+`, `-` lines, read under "compat") bring accounts the files do not list.
  if (/^[+-]/m.test(files.passwd) || /^[+-]/m.test(files.group)) return false;
  const users = records(files.passwd);
  const owner = users.find((fields) => Number(fields[2]) === uid);
  if (!owner || Number(owner[3]) !== gid) return false;
  const name = owner[0];
  const groups = records(files.group).filter((fields) => Number(fields[2]) === gid);
  if (groups.length !== 1 || groups[0]?.[0] !== name) return false;
  const members = (groups[0]?.[3] ?? "").split(",").filter((member) => member !== "");
  if (members.some((member) => member !== name)) return false;
  return users.every((fields) => Number(fields[3]) !== gid || Number(fields[2]) === uid);
}

/** The account files of this machine; undefined where they cannot be read or the system is not Linux. */
export function readAccountFiles(): AccountFiles | undefined {
  if (process.platform !== "linux") return undefined;
  try {
    return { passwd: readFileSync("/etc/passwd", "utf8"), group: readFileSync("/etc/group", "utf8"), nsswitch: readOptional("/etc/nsswitch.conf") };
  } catch {
    return undefined;
  }
}

function readOptional(file: string): string | undefined {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
}

/** Lines of `name:x:id:…` (comments and blank lines left out), split at the colons. */
function records(text: string): string[][] {
  return text
    .split("\n")
    .filter((line) => line.trim() !== "" && !line.startsWith("#"))
    .map((line) => line.split(":"));
}

/** The database's line in nsswitch.conf names local sources only (an absent line means "files"). */
function localOnly(nsswitch: string, database: "passwd" | "group"): boolean {
  const line = nsswitch.split("\n").find((candidate) => candidate.trim().startsWith(`${database}:`));
  if (line === undefined) return true;
  const sources = line
    .replace(/#.*/, "")
    .slice(line.indexOf(":") + 1)
    .replace(/\[[^\]]*\]/g, " ")
    .split(/\s+/)
    .filter((source) => source !== "");
  return sources.every((source) => LOCAL_SOURCES.has(source));
}
