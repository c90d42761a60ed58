// A gateway for channel tests on top of a REAL Agent (real router, session files, wire adapters)
// talking to fake model servers: the parts of GatewayPort a channel uses — handle (turns of a
// session in order, /retry of the last unanswered message), subscribe, and transcripts.
import type { AgentEvent, TurnResult } from "../../src/agent/agent-events.js";
import { Agent } from "../../src/agent/agent.js";
import { agentSpec } from "../../src/agent/agent-spec.js";
import { KnownWindows } from "../../src/agent/context-windows.js";
import { createBuiltinTools } from "../../src/agent/tools/registry.js";
import { hostedCatalog } from "../../src/ai/catalog/hosted-catalog.js";
import { parseConfigValue } from "../../src/config/load.js";
import { parseJson5 } from "../../src/config/parse-json5.js";
import type { GatewayEvent, GatewayPort, HandleResult, InboundMessage, TranscriptItem } from "../../src/gateway/port.js";
import { resolveModels } from "../../src/models/resolve.js";
import { SessionStore } from "../../src/sessions/session-store.js";
import { testRouting } from "./routing.js";

export type ChannelGateway = Pick<GatewayPort, "handle" | "subscribe" | "sessions"> & {
  emit(event: GatewayEvent): void;
  /** Cancels every running turn (a test's stand-in for the process going away mid-turn). */
  abortAll(): void;
  readonly events: AgentEvent[];
  close(): void;
};

/** `configText`: a whole hearth config (JSON5) whose main agent answers. */
export function agentGateway(configText: string, stateDir: string): ChannelGateway {
  const source = { file: "hearth.json5", text: configText };
  const { config } = parseConfigValue(parseJson5(configText, source.file), source, {});
  const resolved = resolveModels(config, { env: {}, catalog: hostedCatalog, source });
  const routing = testRouting();
  const store = new SessionStore(stateDir);
  const agent = new Agent(agentSpec(config, resolved), { router: routing.router, store, tools: createBuiltinTools(), catalog: resolved.catalog, stateDir, windows: new KnownWindows(routing.loadState) });
  const listeners = new Set<(event: GatewayEvent) => void>();
  const queues = new Map<string, Promise<unknown>>();
  const running = new Set<AbortController>();
  const events: AgentEvent[] = [];
  const emit = (event: GatewayEvent): void => {
    for (const listener of listeners) listener(event);
  };

  const turn = async (inbound: InboundMessage): Promise<HandleResult> => {
    const controller = new AbortController();
    running.add(controller);
    const onEvent = (event: AgentEvent): void => {
      events.push(event);
      inbound.onEvent?.(event);
      emit({ type: "turn-event", session: inbound.session, event });
    };
    try {
      let result: TurnResult;
      if (inbound.retry) {
        const failed = agent.retryable(inbound.session);
        if (!failed) return { kind: "command", text: "Nothing to retry: the last message was answered." };
        result = await agent.turn(inbound.session, failed.text, { retry: failed, onEvent, signal: controller.signal, canRestart: inbound.canRestart });
      } else {
        result = await agent.turn(inbound.session, inbound.text, { quoted: inbound.quoted, onEvent, signal: controller.signal, canRestart: inbound.canRestart });
      }
      emit({ type: "turn-end", session: inbound.session, result });
      return { kind: "turn", result };
    } finally {
      running.delete(controller);
    }
  };

  return {
    events,
    handle(inbound) {
      const previous = queues.get(inbound.session) ?? Promise.resolve();
      const next = previous.then(() => turn(inbound));
      queues.set(inbound.session, next.catch(() => undefined));
      return next;
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    emit,
    abortAll: () => {
      for (const controller of running) controller.abort();
    },
    sessions: () => ({
      list: async () => [],
      contextUse: async () => ({ model: undefined, tokens: 0, window: 0 }),
      transcript: async (session): Promise<readonly TranscriptItem[]> =>
        agent.readSession(session).flatMap((entry): TranscriptItem[] => {
          if (entry.type === "user") return [{ role: "user", text: entry.text, at: entry.at }];
          if (entry.type === "assistant") {
            const text = entry.message.content.map((part) => (part.type === "text" ? part.text : "")).join("");
            return text ? [{ role: "assistant", text, at: entry.at, model: entry.message.model }] : [];
          }
          return [];
        }),
    }),
    close: () => routing.close(),
  };
}
