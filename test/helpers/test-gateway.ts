// A GatewayPort for the HTTP channels' tests, on REAL parts: the Router (wired as src/cli/wire-router.ts
// does) over the fake model servers, an Agent per configured agent (as src/cli/wire-agent.ts) with a
// temporary state dir, the in-chat commands of src/agent/commands.ts. The runtime engineer's Gateway
// adds the per-session queue, health and reload; what the HTTP API relies on is here for real.
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import type { Hono } from "hono";
import { Agent } from "../../src/agent/agent.js";
import { agentSpec } from "../../src/agent/agent-spec.js";
import { isCommand, runCommand } from "../../src/agent/commands.js";
import { KnownWindows } from "../../src/agent/context-windows.js";
import { createBuiltinTools } from "../../src/agent/tools/registry.js";
import { hostedCatalog } from "../../src/ai/catalog/hosted-catalog.js";
import { HttpClient } from "../../src/ai/http/http-client.js";
import { createRouting } from "../../src/cli/wire-router.js";
import { parseConfigValue } from "../../src/config/load.js";
import { parseJson5 } from "../../src/config/parse-json5.js";
import type { GatewayEvent, GatewayPort } from "../../src/gateway/port.js";
import { resolveModels } from "../../src/models/resolve.js";
import { SessionStore } from "../../src/sessions/session-store.js";
import { tempDir } from "./run-cli.js";

export interface TestGateway {
  port: GatewayPort;
  store: SessionStore;
  stateDir: string;
  /** Every proxy request the port received (what a channel asked for). */
  proxied: { model: string; stickyKey: string | undefined; canRestart: boolean | undefined }[];
  close(): Promise<void>;
}

/** A gateway over `configText` (JSON5) with a fresh state dir. */
export function testGateway(configText: string): TestGateway {
  const temp = tempDir("hearth-gateway-");
  const source = { file: "hearth.json5", text: configText };
  const { config } = parseConfigValue(parseJson5(configText, source.file), source, {});
  const resolved = resolveModels(config, { env: {}, catalog: hostedCatalog, source });
  const http = new HttpClient();
  const routing = createRouting({ http, stateDir: temp.dir });
  const store = new SessionStore(temp.dir);
  const tools = createBuiltinTools();
  const ids = ["main", ...config.agents.list.map((agent) => agent.id)];
  const agents = new Map(ids.map((id) => [id, new Agent(agentSpec(config, resolved, id), { router: routing.router, store, tools, catalog: resolved.catalog, stateDir: temp.dir, windows: new KnownWindows(routing.loadState) })]));
  const listeners = new Set<(event: GatewayEvent) => void>();
  const emit = (event: GatewayEvent): void => {
    for (const listener of listeners) listener(event);
  };
  const proxied: TestGateway["proxied"] = [];
  const agentFor = (id: string | undefined): Agent => {
    const agent = agents.get(id ?? "main");
    if (!agent) throw new Error(`no agent ${id}`);
    return agent;
  };
  const port: GatewayPort = {
    async handle(inbound) {
      const agent = agentFor(inbound.agent);
      if (isCommand(inbound.text)) {
        const text = await runCommand(inbound.text, inbound.session, { agent, store, catalog: resolved.catalog });
        emit({ type: "command-result", session: inbound.session, text });
        return { kind: "command", text };
      }
      emit({ type: "turn-start", session: inbound.session, channel: inbound.channel, text: inbound.text });
      const result = await agent.turn(inbound.session, inbound.text, {
        signal: inbound.signal,
        canRestart: inbound.canRestart,
        onEvent: (event) => {
          inbound.onEvent?.(event);
          emit({ type: "turn-event", session: inbound.session, event });
        },
      });
      emit({ type: "turn-end", session: inbound.session, result });
      return { kind: "turn", result };
    },
    proxy(request) {
      proxied.push({ model: request.model, stickyKey: request.stickyKey, canRestart: request.canRestart });
      const found = resolved.catalog.lookup(request.model);
      if (!found.ok) throw new Error(found.reason);
      const main = agentFor(undefined);
      const chain = [found.model, ...main.spec.chain.filter((model) => model.ref !== found.model.ref)];
      return routing.router.stream({ chain, context: request.context, options: { ...request.options, signal: request.signal }, sessionKey: request.stickyKey, privacy: main.spec.privacy, canRestart: request.canRestart });
    },
    catalogue() {
      return {
        agents: ids.map((id) => ({ id, name: agentFor(id).spec.name, primary: agentFor(id).spec.chain[0]?.ref })),
        models: [...resolved.catalog.models.values()].map((spec) => ({ ref: spec.ref, alias: resolved.catalog.aliasOf(spec.ref), local: spec.local, spec })),
      };
    },
    health() {
      return [...resolved.catalog.providers.keys()].map((provider) => ({ provider, local: true, state: "unknown" as const, firstTokenMs: [] }));
    },
    sessions() {
      return {
        list: () => Promise.resolve(store.list().sessions.map((summary) => ({ session: summary.key, updated: summary.updated, turns: summary.turns, lastText: summary.lastText }))),
        transcript: () => Promise.resolve([]),
        contextUse: (session, agent) => {
          const chosen = agentFor(agent);
          const head = chosen.spec.chain[0];
          return Promise.resolve({ model: head?.ref, tokens: chosen.prompt(store.read(session).entries).tokens, window: head?.contextWindow ?? 0 });
        },
      };
    },
    setupProblems: () => [],
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  return {
    port,
    store,
    stateDir: temp.dir,
    proxied,
    close: async () => {
      http.destroy();
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
