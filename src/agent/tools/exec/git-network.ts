import { execFile } from "node:child_process";
import { isIP } from "node:net";
import { devNull } from "node:os";
import type { ResolveHost } from "../guarded-get.js";
import type { Refusal } from "./parse-options.js";
import { remoteUse } from "./programs/git.js";

/** How exec judges where git may connect: the same resolver and address policy web_fetch uses. */
export interface NetworkGuard {
  resolve: ResolveHost;
  /** Why a connection to this address is refused (private, or this machine's own), or undefined when it may go ahead. */
  refusalReason: (address: string) => string | undefined;
}

/** What one git run gets besides its arguments. */
export interface GitLaunch {
  /** Settings at command-line scope (after GIT_SAFETY's): no repository's config overrides them. */
  settings: [string, string][];
  env: Record<string, string>;
  /** Run in an empty directory outside any repository: ls-remote reads the config of the repository it runs in, which could rewrite the checked URL. */
  outsideRepository: boolean;
}

export type GitLaunchResult = { ok: true; launch: GitLaunch } | { ok: false; refusal: Refusal };

export interface GitLaunchOptions {
  sandboxed: boolean;
  guard: NetworkGuard;
  /** The installed git's `git --version` line, asked only when git is to reach the network without the sandbox. */
  version: () => Promise<string>;
}

/** The oldest git that takes every setting the network guard relies on: `http.curloptResolve` came in 2.37 (GIT_CONFIG_GLOBAL in 2.32). */
const OLDEST_GIT: readonly [number, number] = [2, 37];

/**
 * How git may touch the network on this run. `GIT_ALLOW_PROTOCOL` is git's one gate for every
 * transport — clone, ls-remote, a lazy fetch of a partial clone's missing object, submodules, the
 * helpers each of those starts — and it overrides any config. Every run gets `file` alone, except
 * clone and ls-remote: inside the sandbox (no network there) http(s) as well; without it, only an
 * http(s) URL whose host hearth resolved and found public, with git pinned to the addresses checked
 * (`http.curloptResolve`: a second DNS answer is never asked for), no redirects, only that URL's
 * scheme, and neither the system's nor the user's git config (a proxy or `url.*.insteadOf` there
 * would send the request elsewhere).
 */
export async function gitLaunch(args: readonly string[], options: GitLaunchOptions): Promise<GitLaunchResult> {
  const use = remoteUse(args);
  const localOnly: GitLaunchResult = { ok: true, launch: { settings: [], env: { GIT_ALLOW_PROTOCOL: "file" }, outsideRepository: false } };
  if (!use) return localOnly;
  if (options.sandboxed) return { ok: true, launch: { settings: [], env: { GIT_ALLOW_PROTOCOL: "file:http:https" }, outsideRepository: false } };
  if (use.bundleUri !== undefined) {
    return { ok: false, refusal: { argument: `--bundle-uri=${use.bundleUri}`, reason: "without the sandbox exec checks one address per clone (the repository's); clone without --bundle-uri" } };
  }
  // A path, or a remote's name: git may only read local repositories (a remote's URL is in config hearth did not check).
  if (use.repository === undefined || !/^https?:\/\//i.test(use.repository)) return localOnly;
  if (use.subcommand === "ls-remote" && use.changesDirectory) {
    return { ok: false, refusal: { argument: "-C", reason: "without the sandbox ls-remote of a URL runs outside any repository (a repository's config can rewrite the URL); leave out -C" } };
  }
  const checked = await checkedRemote(use.repository, options.guard);
  if (typeof checked === "string") return { ok: false, refusal: { argument: use.repository, reason: checked } };
  const tooOld = refusedVersion(await options.version().catch((error: Error) => error.message));
  if (tooOld) return { ok: false, refusal: { argument: use.repository, reason: tooOld } };
  const settings: [string, string][] = [["http.followRedirects", "false"]];
  if (checked.addresses) settings.push(["http.curloptResolve", `${checked.host}:${checked.port}:${checked.addresses.map((address) => (isIP(address) === 6 ? `[${address}]` : address)).join(",")}`]);
  return {
    ok: true,
    launch: { settings, env: { GIT_ALLOW_PROTOCOL: checked.scheme, GIT_CONFIG_GLOBAL: devNull, GIT_CONFIG_NOSYSTEM: "1" }, outsideRepository: use.subcommand === "ls-remote" },
  };
}

interface CheckedRemote {
  scheme: "http" | "https";
  host: string;
  port: number;
  /** The addresses the host name resolved to, every one public; undefined when the URL names an IP address. */
  addresses: string[] | undefined;
}

/**
 * scheme://[user@]host[:port] then `/`, `?`, `#` or the end: a DNS name (no trailing dot), an IPv4
 * address, or an IPv6 address in brackets without a zone. Anything else (backslashes, `%` escapes,
 * `@` twice) may be read as one host by hearth and another by git's curl.
 */
const URL_SHAPE = /^(https?):\/\/(?:[^@/?#\\]*@)?(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*)(?::(\d{1,5}))?(?:[/?#]|$)/i;

const WHERE = "without the sandbox git reaches only public addresses";

/** The URL's host, port and checked addresses, or why git may not go there. */
async function checkedRemote(url: string, guard: NetworkGuard): Promise<CheckedRemote | string> {
  if (/[\s\\]/.test(url) || [...url].some((character) => character.charCodeAt(0) < 0x20 || character.charCodeAt(0) === 0x7f)) return "a URL with spaces, control characters or backslashes may name one host to hearth and another to git";
  const shape = URL_SHAPE.exec(url);
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  const written = shape?.[2];
  if (!shape || !parsed || written === undefined) return "hearth cannot tell which host this URL names; give http(s)://host[:port]/path, the host a DNS name or an IP address";
  const scheme = (shape[1] as string).toLowerCase() === "https" ? "https" : "http";
  const port = parsed.port === "" ? (scheme === "https" ? 443 : 80) : Number(parsed.port);
  const bracketed = written.startsWith("[");
  // 2130706433, 0177.0.0.1, 0x7f.1, 127.1: other spellings of an IPv4 address, read alike by URL parsers but easy to misjudge.
  if (!bracketed && parsed.hostname !== written.toLowerCase()) return `the host ${written} is read as ${parsed.hostname}; write the address as ${parsed.hostname}`;
  const host = bracketed ? written.slice(1, -1) : written.toLowerCase();
  if (isIP(host)) {
    const reason = guard.refusalReason(host);
    return reason ? `${host} is ${reason}; ${WHERE}` : { scheme, host, port, addresses: undefined };
  }
  let addresses: readonly { address: string }[];
  try {
    addresses = await guard.resolve(host);
  } catch (error) {
    return `${host} could not be resolved (${(error as Error).message})`;
  }
  if (addresses.length === 0) return `${host} has no address`;
  // Every address is judged, not only one: curl may try each of them.
  for (const { address } of addresses) {
    const reason = guard.refusalReason(address);
    if (reason) return `${host} is at ${address}, ${reason}; ${WHERE}`;
  }
  return { scheme, host, port, addresses: addresses.map(({ address }) => address) };
}

/** Why this git may not reach the network without the sandbox: too old to be pinned to the checked address (an older git ignores the settings it does not know). */
function refusedVersion(line: string): string | undefined {
  const version = /(\d+)\.(\d+)/.exec(line);
  const [oldestMajor, oldestMinor] = OLDEST_GIT;
  if (!version) return `hearth could not read this git's version (${line.trim()}), and a git older than ${oldestMajor}.${oldestMinor} cannot be held to the address hearth checks`;
  const [, major = "0", minor = "0"] = version;
  if (Number(major) > oldestMajor || (Number(major) === oldestMajor && Number(minor) >= oldestMinor)) return undefined;
  return `this git (${line.trim()}) is older than ${oldestMajor}.${oldestMinor} and cannot be held to the address hearth checks; update git, or run exec in the sandbox`;
}

/** `<program> --version`, run as exec will run it (same program, same environment). */
export function readGitVersion(program: string, env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(program, ["--version"], { env, timeout: 10_000 }, (error, stdout) => (error ? reject(error) : resolve(stdout)));
  });
}
