// The real gateway (createRuntime: Router over the fake model servers, an Agent per configured agent,
// the JSONL session store in a temporary state dir, the in-chat commands) for the HTTP channels'
// tests, with the proxy requests it received recorded on top.
import { writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { serve } from "@hono/node-server";
import type { Hono } from "hono";
import { createRuntime } from "../../src/cli/runtime.js";
import type { GatewayPort } from "../../src/gateway/port.js";
import type { SessionStore } from "../../src/sessions/session-store.js";
import type { Clock } from "../../src/shared/clock.js";
import { SecretRedactor } from "../../src/shared/secret-redactor.js";
import { tempDir } from "./run-cli.js";

export interface TestGateway {
  port: GatewayPort;
  store: SessionStore;
  stateDir: string;
  /** Every proxy request the port received (what a channel asked for). */
  proxied: { model: string; stickyKey: string | undefined; canRestart: boolean | undefined }[];
  close(): Promise<void>;
}

/**
 * A gateway over `configText` (JSON5) with a fresh state dir; `clock`: the routing's (first-token notices, cooldowns);
 * `secrets`: the config's keys masked in what clients are shown, as the gateway command has it (streams go through its TurnRedactor).
 */
export async function testGateway(configText: string, options: { clock?: Clock | undefined; secrets?: boolean | undefined } = {}): Promise<TestGateway> {
  const temp = tempDir("hearth-gateway-");
  const file = join(temp.dir, "hearth.json5");
  writeFileSync(file, configText);
  const runtime = await createRuntime({ env: { HEARTH_STATE_DIR: temp.dir }, cwd: temp.dir, config: file, clock: options.clock, ...(options.secrets ? { secrets: new SecretRedactor() } : {}) });
  const { gateway } = runtime;
  const proxied: TestGateway["proxied"] = [];
  const port: GatewayPort = {
    handle: (inbound) => gateway.handle(inbound),
    proxy(request) {
      proxied.push({ model: request.model, stickyKey: request.stickyKey, canRestart: request.canRestart });
      return gateway.proxy(request);
    },
    catalogue: () => gateway.catalogue(),
    served: (ref) => gateway.served(ref),
    lookLoaded: (refs) => gateway.lookLoaded(refs),
    health: () => gateway.health(),
    sessions: () => gateway.sessions(),
    setupProblems: () => gateway.setupProblems(),
    subscribe: (listener) => gateway.subscribe(listener),
  };
  return {
    port,
    store: runtime.store,
    stateDir: temp.dir,
    proxied,
    close: async () => {
      await runtime.close();
      temp.cleanup();
    },
  };
}

/**
 * A runtime as the gateway command makes it — with the secret redactor, so the config's keys are
 * masked in what clients are shown — whose one model, `up/m` (a reasoning model, 32,000 tokens), is
 * served by `upstreamBaseUrl` with `apiKey`; a fresh state dir (named from `tempPrefix`), removed by `close`.
 */
export async function runtimeOverUpstream(options: { upstreamBaseUrl: string; apiKey: string; tempPrefix: string }): Promise<{ port: GatewayPort; close(): Promise<void> }> {
  const temp = tempDir(options.tempPrefix);
  const config = join(temp.dir, "hearth.json5");
  writeFileSync(config, `{
      agents: { defaults: { model: { primary: "up/m" } } },
      models: { mode: "replace", providers: { up: { baseUrl: "${options.upstreamBaseUrl}", api: "openai-completions", apiKey: "${options.apiKey}", models: [{ id: "m", contextWindow: 32000, maxTokens: 1000, reasoning: true }] } } },
    }`);
  const runtime = await createRuntime({ env: { HEARTH_STATE_DIR: temp.dir }, cwd: temp.dir, config, secrets: new SecretRedactor() });
  return {
    port: runtime.gateway,
    close: async () => {
      await runtime.close();
      temp.cleanup();
    },
  };
}

/** Serves a Hono app on 127.0.0.1 (an ephemeral port): `url` is http://127.0.0.1:PORT. */
export async function serveApp(app: Hono): Promise<{ url: string; close(): Promise<void> }> {
  return new Promise((resolve) => {
    const server = serve({ fetch: app.fetch, hostname: "127.0.0.1", port: 0 }, (info: AddressInfo) => {
      resolve({
        url: `http://127.0.0.1:${info.port}`,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            if ("closeAllConnections" in server) server.closeAllConnections();
          }),
      });
    });
  });
}
