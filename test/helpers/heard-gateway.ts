// The set-up of the web chat's browser tests of a state dir that goes wrong: the real `bin/hearth gateway` in front
// of a model that answers "Heard: <message>", on a state dir the test damages, and chromium to open its page.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { launchChromium, type LaunchedBrowser } from "./chromium.js";
import { startFakeServer, type FakeServer, type Handler } from "../fakes/fake-server.js";
import { completionsStream } from "../fakes/openai-completions-stream.js";
import { repoRoot } from "./run-cli.js";
import { startGateway, type RunningGateway } from "./run-gateway.js";
import { conversationOf, lastUser } from "./scripted-model.js";

export const WEBCHAT_ARTIFACTS = join(repoRoot, "test-artifacts/webchat");

/** A model server that lists "m" and answers every message "Heard: <message>", streamed. */
export const heardModelServer: Handler = (request) => {
  if (request.method === "GET" && request.path === "/v1/models") return { kind: "json", body: { object: "list", data: [{ id: "m", object: "model" }] } };
  const message = lastUser(conversationOf("openai-completions", request.body as Record<string, unknown>));
  return { kind: "sse", frames: completionsStream({ model: "m", text: `Heard: ${message}`, chunkSize: 64, usage: { input: 50, output: 20 } }), frameDelayMs: 1 };
};

/** Types a message in the page's composer and sends it. */
export async function sendMessage(page: Page, text: string): Promise<void> {
  await page.getByLabel("Message").fill(text);
  await page.getByLabel("Message").press("Enter");
}

export interface HeardGateway {
  model: FakeServer;
  gateway: RunningGateway;
  browser: LaunchedBrowser;
}

/**
 * The model, a gateway on `stateDir` (its config written by `temp`) and chromium; the page's errors go to `pageErrors`.
 * `gatewaySection`: the config's `gateway` section as JSON5 text. `keepAliveSeconds`: its `limits.keepAliveSeconds`
 * alone (default 15) — a test that moves the page's clock on (page.clock) sets it past its jumps, or the page counts
 * the gateway lost for want of a keep-alive it jumped over. One or the other.
 */
export async function startHeardGateway(options: { temp: { write: (name: string, text: string) => string }; stateDir: string; profilePrefix: string; waitMs: number; pageErrors: string[]; gatewaySection?: string; keepAliveSeconds?: number }): Promise<HeardGateway> {
  if (options.gatewaySection !== undefined && options.keepAliveSeconds !== undefined) throw new Error("startHeardGateway: give gatewaySection or keepAliveSeconds, not both");
  const gatewaySection = options.gatewaySection ?? (options.keepAliveSeconds === undefined ? undefined : `{ limits: { keepAliveSeconds: ${options.keepAliveSeconds} } }`);
  mkdirSync(WEBCHAT_ARTIFACTS, { recursive: true });
  const started: Partial<HeardGateway> = {};
  try {
    const model = (started.model = await startFakeServer(heardModelServer));
    const configFile = options.temp.write("hearth.json5", `{
      agents: { defaults: { model: { primary: "home/m" } } },
      models: { mode: "replace", providers: { home: { baseUrl: "${model.baseUrl}", api: "openai-completions", models: [{ id: "m", contextWindow: 32768, maxTokens: 1024 }] } } },
      ${gatewaySection ? `gateway: ${gatewaySection},` : ""}
    }`);
    const gateway = (started.gateway = await startGateway(["--config", configFile], { HEARTH_STATE_DIR: options.stateDir }));
    const browser = await launchChromium({ profilePrefix: options.profilePrefix, waitMs: options.waitMs });
    browser.page.on("pageerror", (error) => options.pageErrors.push(error.message));
    return { model, gateway, browser };
  } catch (error) {
    // What did start is stopped: a gateway left running would hold the test file open.
    await stopHeardGateway(started);
    throw error;
  }
}

/** Closes what startHeardGateway started (what of it did start). */
export async function stopHeardGateway(parts: Partial<HeardGateway>): Promise<void> {
  await parts.browser?.close().catch(() => undefined);
  await parts.gateway?.stop();
  await parts.model?.close();
}
