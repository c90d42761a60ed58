// A GatewayPort made for tests: it records every call, answers from what the test set, and publishes
// the events a test scripts (the way the real gateway publishes a turn's events).
import type { GatewayEvent, GatewayPort, HandleResult, InboundMessage, ProviderHealth, SessionListing, TranscriptItem } from "../../src/gateway/port.js";
import type { RouterEvent } from "../../src/models/router-events.js";
import { EventStream } from "../../src/shared/event-stream.js";

export interface MemoryGateway extends GatewayPort {
  handled: InboundMessage[];
  setup: string[];
  providers: ProviderHealth[];
  sessionList: SessionListing[];
  transcripts: Map<string, TranscriptItem[]>;
  /** Publishes an event to every subscriber. */
  publish(event: GatewayEvent): void;
  subscribers(): number;
  /** What `handle` does with a message (default: publishes turn-start/turn-end and answers "ok"). */
  onHandle: (inbound: InboundMessage, gateway: MemoryGateway) => Promise<HandleResult>;
}

export function memoryGateway(): MemoryGateway {
  const listeners = new Set<(event: GatewayEvent) => void>();
  const gateway: MemoryGateway = {
    handled: [],
    setup: [],
    providers: [],
    sessionList: [],
    transcripts: new Map(),
    publish: (event) => listeners.forEach((listener) => listener(event)),
    subscribers: () => listeners.size,
    onHandle: (inbound, self) => {
      self.publish({ type: "turn-start", session: inbound.session, channel: inbound.channel, text: inbound.text });
      return Promise.resolve({ kind: "command", text: "ok" });
    },
    handle(inbound) {
      gateway.handled.push(inbound);
      // Kept as soon as it is taken, as the real gateway with nothing to wait behind.
      inbound.onAccepted?.();
      return gateway.onHandle(inbound, gateway);
    },
    proxy: () => new EventStream<RouterEvent>(),
    catalogue: () => ({ agents: [{ id: "main", name: "hearth", primary: "local/m" }], models: [] }),
    served: () => undefined,
    lookLoaded: () => Promise.resolve(),
    health: () => gateway.providers,
    sessions: () => ({
      list: () => Promise.resolve({ sessions: gateway.sessionList, problems: [] }),
      transcript: (session) => Promise.resolve(gateway.transcripts.get(session) ?? []),
      conversation: (session) => Promise.resolve({ items: gateway.transcripts.get(session) ?? [], live: undefined, waiting: [] }),
      underWay: () => [],
      contextUse: () => Promise.resolve({ model: "local/m", tokens: 10, window: 1000, promptTokens: 700 }),
      settings: () => Promise.resolve({ reasoning: false, model: undefined }),
    }),
    setupProblems: () => gateway.setup,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  return gateway;
}
