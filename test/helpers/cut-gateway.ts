// What the tests that cut a real `hearth gateway` (kill -9 mid-answer) and start it again share: one local
// model's config, a model whose answers wait at a gate the test opens, the gateway's HTTP API as the page
// uses it, the session file as written, and the gateways started — each killed when the file's tests end.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Handler, RecordedRequest } from "../fakes/fake-server.js";
import { startGateway, type RunningGateway } from "./run-gateway.js";
import { scriptedModel, type Step, type Turn } from "./scripted-model.js";

/** One local model, `local/m`, served at `baseUrl` (chat completions). */
export function localModelConfig(baseUrl: string): string {
  return `{
    agents: { defaults: { model: { primary: "local/m" } } },
    models: { mode: "replace", providers: { local: { baseUrl: "${baseUrl}", api: "openai-completions", models: [{ id: "m", contextWindow: 32768, maxTokens: 1024 }] } } },
  }`;
}

/** A session line as the tests read it. */
export interface SessionLine {
  type: string;
  id?: string;
  text?: string;
  error?: string;
  cause?: string;
  retryOf?: string;
  quoted?: string;
  images?: { mediaType: string; data: string }[];
  notes?: { kind: string; text: string }[];
  message?: { stopReason?: string; content: { type: string; text?: string }[] };
}

/** The session file's lines as written, each whole (ending in its newline): one the gateway is writing now, or a file it has just made and not yet written, is not there yet; none before the file is made. */
export function sessionLines(stateDir: string, session: string): SessionLine[] {
  const file = join(stateDir, "sessions", `${session}.jsonl`);
  if (!existsSync(file)) return [];
  const text = readFileSync(file, "utf8");
  return text
    .slice(0, text.lastIndexOf("\n") + 1)
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as SessionLine);
}

/** `GET /api/sessions/:session` as the page reads it (the fields these tests look at). */
export interface Snapshot {
  items: { role: string; text: string; id?: string; unanswered?: boolean; sentAgain?: boolean }[];
  waiting: { text: string; why: string }[];
}

/** `POST /api/sessions/:session/messages`, as the page sends a message or a Retry. */
export const postMessage = (gateway: RunningGateway, session: string, body: Record<string, unknown>): Promise<Response> =>
  fetch(`${gateway.url}/api/sessions/${session}/messages`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

export const readSnapshot = async (gateway: RunningGateway, session: string): Promise<Snapshot> => (await (await fetch(`${gateway.url}/api/sessions/${session}`)).json()) as Snapshot;

/** Asks again until `done` holds (the gateway works in the background); the test's own timeout bounds it. */
export async function until<T>(read: () => Promise<T> | T, done: (value: T) => boolean): Promise<T> {
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Real gateways started for a file's tests (`--config file`, the state dir `state`); `killAll` ends any still running. */
export function gatewayLauncher(): { launch(file: string, state: string): Promise<RunningGateway>; killAll(): void } {
  const started: RunningGateway[] = [];
  return {
    launch: async (file, state) => {
      const gateway = await startGateway(["--config", file], { HEARTH_STATE_DIR: state });
      started.push(gateway);
      return gateway;
    },
    killAll: () => {
      for (const gateway of started) gateway.child.kill("SIGKILL");
    },
  };
}

/** A model whose answers wait at a gate (see heldModel). */
export interface HeldModel {
  handler: Handler;
  /** Each conversation it was sent, in order. */
  seen: Turn[][];
  /** Resolves once it has been called `count` times (each model call counts, held or not). */
  arrived(count: number): Promise<void>;
  /** Opens the gate: the held answers go, and later ones are not held. */
  release(): void;
  /** Closes the gate again: answers from now on are held until the next `release`. */
  hold(): void;
}

/**
 * A chat-completions model that answers by `reply`, each answer held until `release` — but a call
 * `passes` lets through (a tool call's step, say). Every conversation it is sent is kept.
 */
export function heldModel(reply: (turns: Turn[]) => Step, options: { passes?: (request: RecordedRequest) => boolean } = {}): HeldModel {
  const seen: Turn[][] = [];
  const answer = scriptedModel("openai-completions", (turns) => {
    seen.push(turns);
    return reply(turns);
  });
  let opened: () => void = () => undefined;
  let gate = new Promise<void>((resolve) => (opened = resolve));
  let received = 0;
  const waiting: { count: number; resolve: () => void }[] = [];
  return {
    seen,
    handler: async (request) => {
      if (request.path !== "/v1/chat/completions") return answer(request);
      received++;
      for (const waiter of waiting.filter((entry) => received >= entry.count)) waiter.resolve();
      if (!options.passes?.(request)) await gate;
      return answer(request);
    },
    arrived: (count) => (received >= count ? Promise.resolve() : new Promise((resolve) => waiting.push({ count, resolve }))),
    release: () => {
      opened();
      gate = Promise.resolve();
    },
    hold: () => {
      gate = new Promise<void>((resolve) => (opened = resolve));
    },
  };
}
