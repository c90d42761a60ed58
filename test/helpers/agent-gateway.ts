// The real gateway (createRuntime: real Agent, router, session files, wire adapters) for channel
// tests, talking to fake model servers, with the few handles a channel test needs on top: inject a
// gateway event (provider health), cancel every running turn (the process going away mid-turn), and
// the agent events seen.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { AgentEvent } from "../../src/agent/agent-events.js";
import { createRuntime } from "../../src/cli/runtime.js";
import type { GatewayEvent, GatewayPort } from "../../src/gateway/port.js";

export type ChannelGateway = Pick<GatewayPort, "handle" | "subscribe" | "sessions" | "catalogue"> & {
  emit(event: GatewayEvent): void;
  /** Cancels every running turn (a test's stand-in for the process going away mid-turn). */
  abortAll(): void;
  readonly events: AgentEvent[];
  close(): Promise<void>;
};

/** `configText`: a whole hearth config (JSON5) whose main agent answers; sessions live in `stateDir`. */
export async function agentGateway(configText: string, stateDir: string): Promise<ChannelGateway> {
  mkdirSync(stateDir, { recursive: true });
  const file = join(stateDir, "hearth.json5");
  writeFileSync(file, configText);
  const runtime = await createRuntime({ env: { HEARTH_STATE_DIR: stateDir }, cwd: stateDir, config: file });
  const { gateway } = runtime;
  const listeners = new Set<(event: GatewayEvent) => void>();
  const running = new Set<AbortController>();
  const events: AgentEvent[] = [];
  const emit = (event: GatewayEvent): void => {
    for (const listener of listeners) listener(event);
  };
  const unsubscribe = gateway.subscribe(emit);
  return {
    events,
    async handle(inbound) {
      const controller = new AbortController();
      running.add(controller);
      const signal = inbound.signal ? AbortSignal.any([inbound.signal, controller.signal]) : controller.signal;
      try {
        return await gateway.handle({
          ...inbound,
          signal,
          onEvent: (event) => {
            events.push(event);
            inbound.onEvent?.(event);
          },
        });
      } finally {
        running.delete(controller);
      }
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    emit,
    abortAll: () => {
      for (const controller of running) controller.abort();
    },
    sessions: () => gateway.sessions(),
    catalogue: () => gateway.catalogue(),
    close: async () => {
      unsubscribe();
      await runtime.close();
    },
  };
}
