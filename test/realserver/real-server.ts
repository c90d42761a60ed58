// Starts llama.cpp's real `llama-server` (built by ../shared/realserver/setup.sh; scripts/run-realserver-
// tests.mjs passes its path as REALSERVER_BIN) with the tiny real model beside the scripts, on a free
// loopback port, one thread (-t 1), and stops it by its own pid.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openSync } from "node:fs";
import { freePort } from "../helpers/free-port.js";

export interface RealServer {
  /** http://127.0.0.1:PORT */
  url: string;
  /** url + "/v1" */
  baseUrl: string;
  port: number;
  pid: number;
  /** The id the server lists (`--alias`). */
  alias: string;
  /** SIGKILL: the server is gone. */
  kill(): Promise<void>;
  /** SIGTERM, not waited for: the server closes its port at once, then holds a connection it is answering, silent, for ~30 s in its shutdown. */
  terminate(): void;
  /** SIGSTOP: the port still accepts connections, nothing answers. */
  stop(): void;
  /** SIGCONT after stop(). */
  resume(): void;
  log(): string;
}

export interface StartOptions {
  /** Slot context (`-c`); default 2048. */
  ctx?: number;
  alias?: string;
  /** Slots (`-np`); default 1. "auto": no -np, which this llama.cpp runs as 4 slots sharing one cache (kv_unified). */
  parallel?: number | "auto";
  extraArgs?: readonly string[];
}

export function realServerBin(): string {
  const bin = process.env.REALSERVER_BIN;
  if (!bin || !existsSync(bin)) throw new Error("REALSERVER_BIN is not set to a built llama-server: run these tests with `npm run test:realserver`");
  return bin;
}

export function realServerModel(): string {
  const scripts = process.env.REALSERVER_SCRIPTS;
  const model = scripts ? join(scripts, "stories260K.gguf") : "";
  if (!existsSync(model)) throw new Error(`no stories260K.gguf in REALSERVER_SCRIPTS (${scripts ?? "unset"}): run these tests with \`npm run test:realserver\``);
  return model;
}


const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Starts a llama-server and waits until GET /v1/models answers (60 s at most). */
export async function startRealServer(options: StartOptions = {}): Promise<RealServer> {
  const port = await freePort();
  const alias = options.alias ?? "stories260k";
  const logFile = join(mkdtempSync(join(tmpdir(), "hearth-llama-")), "server.log");
  const out = openSync(logFile, "w");
  const args = ["-m", realServerModel(), "--alias", alias, "--host", "127.0.0.1", "--port", String(port), "-c", String(options.ctx ?? 2048), ...(options.parallel === "auto" ? [] : ["-np", String(options.parallel ?? 1)]), "-t", "1", "--jinja", ...(options.extraArgs ?? [])];
  const child: ChildProcess = spawn(realServerBin(), args, { stdio: ["ignore", out, out] });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  let gone = false;
  void exited.then(() => {
    gone = true;
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (gone) throw new Error(`llama-server exited at start; its log (${logFile}):\n${readFileSync(logFile, "utf8").slice(-2000)}`);
    const ok = await fetch(`${url}/v1/models`).then(
      (response) => response.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`llama-server did not answer within 60 s (log ${logFile})`);
    }
    await sleep(200);
  }
  const pid = child.pid as number;
  return {
    url,
    baseUrl: `${url}/v1`,
    port,
    pid,
    alias,
    async kill() {
      if (gone) return;
      process.kill(pid, "SIGCONT");
      child.kill("SIGKILL");
      await exited;
    },
    terminate() {
      if (!gone) process.kill(pid, "SIGTERM");
    },
    stop() {
      process.kill(pid, "SIGSTOP");
    },
    resume() {
      process.kill(pid, "SIGCONT");
    },
    log: () => readFileSync(logFile, "utf8"),
  };
}

/** A llama-server held in its model load: it answers every path as it does while it loads, until `release()`. */
export interface LoadingRealServer {
  url: string;
  baseUrl: string;
  alias: string;
  /** The load goes on: the server loads the model and answers. */
  release(): void;
  kill(): Promise<void>;
}

/** Whether strace (Debian's `strace`), which holds the server in its load, can be run here. */
export function canHoldLoad(): boolean {
  return spawnSync("strace", ["-V"], { stdio: "ignore" }).status === 0;
}

/**
 * Starts a llama-server held in the middle of its start, where it loads the model: strace delays its
 * opening of the model file (the HTTP server is up by then, answering as llama-server does while it
 * loads), and `release()` ends strace, which lets the open and the load go on. Waits until /health says
 * the server is loading.
 */
export async function startLoadingRealServer(options: { alias?: string } = {}): Promise<LoadingRealServer> {
  const port = await freePort();
  const alias = options.alias ?? "stories260k";
  const model = realServerModel();
  const logFile = join(mkdtempSync(join(tmpdir(), "hearth-llama-")), "server.log");
  const out = openSync(logFile, "w");
  const server = [realServerBin(), "-m", model, "--alias", alias, "--host", "127.0.0.1", "--port", String(port), "-c", "2048", "-np", "1", "-t", "1", "--jinja"];
  const tracer = spawn("strace", ["-f", "-qq", "-o", "/dev/null", "-P", model, "-e", "trace=openat", "-e", "inject=openat:delay_enter=3600s", ...server], { stdio: ["ignore", out, out] });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    const health = await fetch(`${url}/health`).then(
      async (response) => `${response.status} ${await response.text()}`,
      () => "",
    );
    if (health.startsWith("503") && health.includes("Loading model")) break;
    if (tracer.exitCode !== null || Date.now() > deadline) {
      tracer.kill("SIGKILL");
      throw new Error(`llama-server under strace did not come up loading (/health: ${health || "no answer"}); its log (${logFile}):\n${readFileSync(logFile, "utf8").slice(-2000)}`);
    }
    await sleep(100);
  }
  // The server is strace's child: its pid, to stop it once strace is gone.
  const serverPid = Number(readFileSync(`/proc/${tracer.pid as number}/task/${tracer.pid as number}/children`, "utf8").trim().split(/\s+/)[0]);
  const release = (): void => {
    if (tracer.exitCode === null) tracer.kill("SIGKILL");
  };
  return {
    url,
    baseUrl: `${url}/v1`,
    alias,
    release,
    async kill() {
      release();
      try {
        process.kill(serverPid, "SIGKILL");
      } catch {
        // gone already
      }
      for (let tries = 0; tries < 50 && existsSync(`/proc/${serverPid}/stat`) && !readFileSync(`/proc/${serverPid}/stat`, "utf8").includes(") Z "); tries++) await sleep(100);
    },
  };
}
