// Shared setup of the OpenAI-compatible API tests: two fake model servers (a local chat-completions
// server "local" and a Responses server "backup"), a real Router and Agent behind a test GatewayPort,
// the routes served on 127.0.0.1, and the official `openai` SDK as the client.
import { Hono } from "hono";
import OpenAI from "openai";
import { requestLogger } from "../../src/channels/http/request-log.js";
import { openAiRoutes, type OpenAiLogger } from "../../src/channels/http/openai/routes.js";
import { startFakeServer, type FakeServer, type Handler, type SseFrame } from "../fakes/fake-server.js";
import type { Clock } from "../../src/shared/clock.js";
import { serveApp, testGateway, type TestGateway } from "../helpers/test-gateway.js";

export interface ApiSetup {
  local: FakeServer;
  backup: FakeServer;
  gateway: TestGateway;
  url: string;
  client: OpenAI;
  logs: { fields: Record<string, unknown>; message: string }[];
  /** Resolves with the first log line (past or future) whose fields match. */
  waitForLog(match: (fields: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

const notSet: Handler = () => ({ kind: "json", status: 500, body: { error: { message: "this test set no handler" } } });

/** `localApi`: the protocol "local" speaks (default openai-completions: a model that signs its reasoning speaks another). */
export async function apiSetup(options: { loadWaitMs?: number; headersWaitMs?: number; keepAliveMs?: number; localApi?: string; localExtras?: string; backupExtras?: string; clock?: Clock } = {}): Promise<ApiSetup> {
  const local = await startFakeServer(notSet);
  const backup = await startFakeServer(notSet);
  const config = `{
    agents: {
      defaults: {
        model: { primary: "local/m1", fallbacks: ["backup/m2"] },
        models: { "local/m1": { alias: "Local" }, "backup/m2": { alias: "Backup" } },
      },
      list: [{ id: "helper", name: "Helper" }],
    },
    models: { mode: "replace", providers: {
      local: { baseUrl: "${local.baseUrl}", api: "${options.localApi ?? "openai-completions"}", ${options.localExtras ?? ""} models: [{ id: "m1", contextWindow: 32000, maxTokens: 1000, reasoning: true }] },
      backup: { baseUrl: "${backup.baseUrl}", api: "openai-responses", ${options.backupExtras ?? ""} models: [{ id: "m2", contextWindow: 64000, maxTokens: 1000 }] },
    } },
  }`;
  const gateway = await testGateway(config, { clock: options.clock });
  const logs: ApiSetup["logs"] = [];
  const waiting = new Set<(fields: Record<string, unknown>) => void>();
  const record = (fields: object, message = ""): void => {
    const entry = { ...fields } as Record<string, unknown>;
    logs.push({ fields: entry, message });
    for (const waiter of waiting) waiter(entry);
  };
  const logger: OpenAiLogger = { info: record, warn: record };
  const waitForLog = (match: (fields: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> =>
    new Promise((resolve) => {
      const seen = logs.find((line) => match(line.fields));
      if (seen) return resolve(seen.fields);
      const waiter = (fields: Record<string, unknown>): void => {
        if (!match(fields)) return;
        waiting.delete(waiter);
        resolve(fields);
      };
      waiting.add(waiter);
    });
  // Mounted the way the server core mounts it (src/channels/http: its one log line per request, then `app.route("/", openAiRoutes(…))`).
  const app = new Hono().use(requestLogger({ ...logger, error: record })).route("/", openAiRoutes({ port: gateway.port, logger, loadWaitMs: options.loadWaitMs, headersWaitMs: options.headersWaitMs, keepAliveMs: options.keepAliveMs }));
  const served = await serveApp(app);
  const client = new OpenAI({ baseURL: `${served.url}/v1`, apiKey: "test-key", maxRetries: 0 });
  return {
    local,
    backup,
    gateway,
    url: served.url,
    client,
    logs,
    waitForLog,
    close: async () => {
      await served.close();
      await gateway.close();
      await local.close();
      await backup.close();
    },
  };
}

/** The body of the last request a fake server received. */
export function lastBody(server: FakeServer): Record<string, unknown> {
  const request = server.requests.filter((entry) => entry.method === "POST").at(-1);
  if (!request) throw new Error("the server received no POST");
  return request.body as Record<string, unknown>;
}

/** Adds `encrypted_content` to the reasoning items of a Responses stream (OpenAI's encrypted reasoning). */
export function withEncryptedReasoning(frames: SseFrame[], encrypted: string): SseFrame[] {
  return frames.map((frame) => {
    const event = JSON.parse(frame.data) as Record<string, unknown> & { item?: Record<string, unknown>; response?: { output?: Record<string, unknown>[] } };
    if (event.type === "response.output_item.done" && event.item?.type === "reasoning") event.item.encrypted_content = encrypted;
    for (const item of event.response?.output ?? []) if (item.type === "reasoning") item.encrypted_content = encrypted;
    return { ...frame, data: JSON.stringify(event) };
  });
}
