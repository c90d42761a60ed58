// Starts llama.cpp's real `llama-server` (built by ../shared/realserver/setup.sh; scripts/run-realserver-
// tests.mjs passes its path as REALSERVER_BIN) with the tiny real model beside the scripts, on a free
// loopback port, one thread (-t 1), and stops it by its own pid.
import { spawn, type ChildProcess } from "node:child_process";
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
    stop() {
      process.kill(pid, "SIGSTOP");
    },
    resume() {
      process.kill(pid, "SIGCONT");
    },
    log: () => readFileSync(logFile, "utf8"),
  };
}
