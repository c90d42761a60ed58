import { spawn } from "node:child_process";
import { GUARD_KEEPS } from "./guarded-places.js";
import type { Readable } from "node:stream";
import { unixSocketFilter } from "./seccomp-filter.js";
import { SYSTEM_FOLDER_RULE, systemProgram } from "./system-programs.js";

/** `tools.exec.sandbox`: use an OS sandbox where there is one, insist on one, or never use one. */
export type SandboxMode = "auto" | "require" | "off";

/** What this machine offers to confine exec. */
export type SandboxSupport =
  | {
      kind: "bwrap";
      program: string;
      /** The seccomp filter that keeps Unix socket files out of reach (seccomp-filter.ts); undefined on an architecture hearth has none for. */
      filter?: Buffer | undefined;
      /** This bwrap sizes a tmpfs (`--size`, bubblewrap 0.5 and later): the sandbox's /tmp gets a bound. */
      sizedTmp?: boolean | undefined;
    }
  | { kind: "sandbox-exec"; program: string }
  | { kind: "none"; reason: string };

export interface SandboxProbeOptions {
  platform?: NodeJS.Platform | undefined;
  /** The environment the probe runs with (PATH finds bwrap). */
  env?: NodeJS.ProcessEnv | undefined;
  /** The bubblewrap program (a path, or a name on PATH); default bwrap from a system folder on PATH (system-programs.ts). */
  bwrap?: string | undefined;
  /** The architecture the seccomp filter is made for (default: this process's). */
  arch?: string | undefined;
}

/** The options exec gives bwrap, tried as they are by the probe: a namespace feature missing here shows then, not at the first call. */
const BWRAP_ISOLATION = ["--unshare-all", "--die-with-parent", "--new-session", "--cap-drop", "ALL"] as const;

/**
 * Finds out once, by running it, whether an OS sandbox works on this machine (inside containers
 * bubblewrap may lack user namespaces), and keeps the answer for the life of the instance.
 */
export class SandboxProbe {
  private answer: Promise<SandboxSupport> | undefined;
  private readonly platform: NodeJS.Platform;

  constructor(private readonly options: SandboxProbeOptions = {}) {
    this.platform = options.platform ?? process.platform;
  }

  support(): Promise<SandboxSupport> {
    this.answer ??= this.probe();
    return this.answer;
  }

  private async probe(): Promise<SandboxSupport> {
    if (this.platform === "linux") {
      const program = this.options.bwrap ?? (await systemProgram("bwrap", (this.options.env ?? process.env).PATH ?? ""));
      if (program === undefined) return { kind: "none", reason: `${NO_BWRAP} (hearth runs it only from ${SYSTEM_FOLDER_RULE})` };
      // Tried as exec uses it: the filter loaded, /tmp sized where this bwrap can (`--size`, bubblewrap 0.5 on);
      // a kernel that takes no seccomp filter still gets the rest of the sandbox (the status says what is missing).
      const isolated = ["--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", ...BWRAP_ISOLATION];
      const sizedTmp = ["--size", String(SANDBOX_TMP_BYTES), "--tmpfs", "/tmp"];
      const withFilter = unixSocketFilter(this.options.arch);
      let tried = { ok: false, missing: false, detail: "" };
      for (const filter of withFilter ? [withFilter, undefined] : [undefined]) {
        for (const sized of [true, false]) {
          tried = await tryRun(program, [...(sized ? sizedTmp : []), ...isolated, ...(filter ? ["--seccomp", "3"] : []), "true"], { env: this.options.env, filter });
          if (tried.ok) return { kind: "bwrap", program, filter, sizedTmp: sized };
          if (tried.missing) break;
        }
        if (tried.missing) break;
      }
      return {
        kind: "none",
        reason: tried.missing ? NO_BWRAP : `bwrap cannot create a sandbox here (${tried.detail}); user namespaces may be disabled`,
      };
    }
    if (this.platform === "darwin") {
      const tried = await tryRun("/usr/bin/sandbox-exec", ["-p", "(version 1)(allow default)", "/usr/bin/true"], { env: this.options.env, filter: undefined });
      return tried.ok ? { kind: "sandbox-exec", program: "/usr/bin/sandbox-exec" } : { kind: "none", reason: `sandbox-exec does not work here (${tried.detail})` };
    }
    return { kind: "none", reason: `hearth knows no OS sandbox for ${this.platform}` };
  }
}

const PROBE_TIMEOUT_MS = 10_000;

const NO_BWRAP = "bubblewrap (bwrap) is not installed; install it from your distribution's packages (apt-get install bubblewrap, dnf install bubblewrap)";

/** The sandbox's /tmp is memory: at most this much of it (`--size`). */
export const SANDBOX_TMP_BYTES = 512 * 1024 * 1024;

function tryRun(program: string, args: readonly string[], options: { env: NodeJS.ProcessEnv | undefined; filter: Buffer | undefined }): Promise<{ ok: boolean; missing: boolean; detail: string }> {
  return new Promise((resolve) => {
    let errorText = "";
    const child = spawn(program, args, { env: options.env ?? process.env, stdio: ["ignore", "ignore", "pipe", options.filter ? "pipe" : "ignore"] });
    const filterPipe = child.stdio[3];
    if (options.filter && filterPipe && "end" in filterPipe) {
      // bwrap may fail before it reads the filter: a closed pipe is its answer, not an error here.
      filterPipe.on("error", () => undefined);
      filterPipe.end(options.filter);
    }
    // A probe that hangs counts as no sandbox rather than holding the first exec call.
    const timer = setTimeout(() => child.kill("SIGKILL"), PROBE_TIMEOUT_MS);
    child.once("exit", () => clearTimeout(timer));
    (child.stderr as Readable).on("data", (chunk: Buffer) => {
      if (errorText.length < 500) errorText += chunk.toString("utf8");
    });
    child.once("error", (error: NodeJS.ErrnoException) => resolve({ ok: false, missing: error.code === "ENOENT", detail: error.message }));
    child.once("close", (code, signal) => resolve({ ok: code === 0, missing: false, detail: errorText.trim().split("\n")[0] || (signal ? `killed by ${signal}` : `exit code ${code ?? "unknown"}`) }));
  });
}

export interface SandboxedCommand {
  /** The program, found on PATH already (the sandbox must not resolve a name differently). */
  program: string;
  args: readonly string[];
  /** The one folder the program may write (its working directory). */
  cwd: string;
  /** Folders it may not even read, covered by empty read-only ones: hearth's state dir, your home, /run (sandbox-places.ts). */
  hidden: readonly string[];
  /** Files it may not read: the config file (keys). */
  hiddenFiles?: readonly string[] | undefined;
  /** Folders inside the working directory that stay read-only: hearth's own install, folders on PATH. */
  readOnly?: readonly string[] | undefined;
}

/** What this bwrap can do besides the basics (SandboxProbe finds out). */
export type BwrapFeatures = Pick<Extract<SandboxSupport, { kind: "bwrap" }>, "filter" | "sizedTmp">;

/** The file descriptor bwrap reads the seccomp filter from (the spawn's fourth stdio entry). */
export const FILTER_FD = 3;

/**
 * The bwrap command line: the whole filesystem read-only, a fresh /tmp (sized) and /dev, the working
 * directory writable, hidden folders covered by empty ones, no network (a fresh network namespace),
 * no Unix sockets (the seccomp filter), no capabilities, no new privileges (bwrap sets no_new_privs),
 * killed with hearth.
 */
export function bwrapArguments(command: SandboxedCommand, features: BwrapFeatures = {}): string[] {
  const shown = command.hidden.filter((path) => path !== command.cwd);
  // Inside a hidden folder and not brought back with the working directory: hidden with it (a mount point made for it would show its name).
  const covered = (path: string) => shown.some((folder) => folder !== path && inside(path, folder)) && !inside(path, command.cwd);
  const hiddenFolders = shown.filter((path) => !covered(path));
  const mounts: { path: string; args: string[] }[] = [
    { path: "/tmp", args: [...(features.sizedTmp ? ["--size", String(SANDBOX_TMP_BYTES)] : []), "--tmpfs", "/tmp"] },
    ...hiddenFolders.map((path) => ({ path, args: ["--tmpfs", path] })),
    { path: command.cwd, args: ["--bind", command.cwd, command.cwd] },
    ...(command.readOnly ?? []).filter((path) => path !== command.cwd && inside(path, command.cwd)).map((path) => ({ path, args: ["--ro-bind", path, path] })),
    ...(command.hiddenFiles ?? []).filter((path) => !covered(path)).map((path) => ({ path, args: ["--ro-bind", "/dev/null", path] })),
  ];
  // Outer folders first: a later mount inside an earlier one stays visible.
  mounts.sort((a, b) => depth(a.path) - depth(b.path));
  // The empty folders over hidden ones turn read-only last, once the working directory is mounted inside them.
  const readOnly = hiddenFolders.flatMap((path) => ["--remount-ro", path]);
  const filter = features.filter ? ["--seccomp", String(FILTER_FD)] : [];
  return ["--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", ...mounts.flatMap((mount) => mount.args), ...readOnly, ...BWRAP_ISOLATION, ...filter, "--chdir", command.cwd, "--", command.program, ...command.args];
}

/** `path` is `folder` or lies inside it. */
function inside(path: string, folder: string): boolean {
  return path === folder || path.startsWith(folder.endsWith("/") ? folder : `${folder}/`);
}

/** macOS: a Seatbelt profile with the same intent (writes only in the working directory, no network, hidden folders unreadable). */
export function sandboxExecArguments(command: SandboxedCommand): string[] {
  const quote = (path: string) => `"${path.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
  const profile = [
    "(version 1)",
    "(allow default)",
    "(deny network*)",
    "(deny file-write*)",
    `(allow file-write* (subpath ${quote(command.cwd)}) (literal "/dev/null") (literal "/dev/stdout") (literal "/dev/stderr"))`,
    ...command.hidden.filter((path) => path !== command.cwd).map((path) => `(deny file-read* file-write* (subpath ${quote(path)}))`),
    `(allow file-read* file-write* (subpath ${quote(command.cwd)}))`,
    ...(command.readOnly ?? []).map((path) => `(deny file-write* (subpath ${quote(path)}))`),
    ...(command.hiddenFiles ?? []).map((path) => `(deny file-read* file-write* (literal ${quote(path)}))`),
  ].join("\n");
  return ["-p", profile, command.program, ...command.args];
}

/** The program and arguments to spawn for this command under this sandbox, and what to write to its `FILTER_FD` (bwrap's seccomp filter). */
export function sandboxed(support: Exclude<SandboxSupport, { kind: "none" }>, command: SandboxedCommand): { program: string; args: string[]; filter?: Buffer | undefined } {
  return support.kind === "bwrap" ? { program: support.program, args: bwrapArguments(command, support), filter: support.filter } : { program: support.program, args: sandboxExecArguments(command) };
}

/**
 * One line on how exec is confined on this machine under this mode, for the docs' promise and for
 * `hearth security audit`.
 */
export async function execSandboxStatus(mode: SandboxMode, probe: SandboxProbe): Promise<{ sandboxed: boolean; summary: string }> {
  if (mode === "off") return { sandboxed: false, summary: `exec runs with the argument guard alone (tools.exec.sandbox: "off")${GUARD_KEEPS}` };
  const support = await probe.support();
  if (support.kind === "bwrap") {
    const sockets = support.filter ? "no network or Unix sockets" : `no network, but Unix socket files on disk reachable (no seccomp filter: none made for ${process.arch}, or the kernel took none)`;
    return { sandboxed: true, summary: `exec runs inside bubblewrap: read-only filesystem except its working directory, ${sockets}, no new privileges, your home folder (but the working directory), /run, the state dir, config file and gateway.env hidden` };
  }
  if (support.kind === "sandbox-exec") return { sandboxed: true, summary: "exec runs inside sandbox-exec: writes only in its working directory, no network, the state dir, config file and gateway.env hidden" };
  return mode === "require"
    ? { sandboxed: false, summary: `exec is refused: tools.exec.sandbox is "require" but ${support.reason}` }
    : { sandboxed: false, summary: `exec runs with the argument guard alone: ${support.reason}${GUARD_KEEPS}` };
}

function depth(path: string): number {
  return path.split("/").filter(Boolean).length;
}
