import { Hono } from "hono";
import OpenAI from "openai";
import { openAiRoutes } from "../../src/channels/http/openai/routes.js";
import { startFakeServer, type FakeServer, type Handler } from "../fakes/fake-server.js";
import { serveApp, type TestGateway } from "./test-gateway.js";

/**
 * The OpenAI-compatible routes over a test gateway, served on 127.0.0.1, with the official SDK as the
 * client (no retries); `close` stops the server, the gateway and the fake upstreams.
 */
export async function openAiOverGateway(gateway: TestGateway, upstreams: readonly { close(): Promise<void> }[]): Promise<{ client: OpenAI; close: () => Promise<void> }> {
  const served = await serveApp(new Hono().route("/", openAiRoutes({ port: gateway.port, logger: { info: () => undefined, warn: () => undefined } })));
  const client = new OpenAI({ baseURL: `${served.url}/v1`, apiKey: "test-key", maxRetries: 0 });
  const close = async (): Promise<void> => {
    await served.close();
    await gateway.close();
    for (const server of upstreams) await server.close();
  };
  return { client, close };
}

export type UpstreamName = "completions" | "responses" | "anthropic" | "ollama";

/** A fake upstream of each API a proxied request may go to, each answering as `answers` says. */
export async function fourUpstreams(answers: Record<UpstreamName, Handler>): Promise<Record<UpstreamName, FakeServer>> {
  return {
    completions: await startFakeServer(answers.completions),
    responses: await startFakeServer(answers.responses),
    anthropic: await startFakeServer(answers.anthropic),
    ollama: await startFakeServer(answers.ollama),
  };
}
