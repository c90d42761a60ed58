// A scripted gateway for the channel's own behaviour (policies, retries, notes): each turn's result is
// decided by the test, and a turn can be held until released. Turns of a session run in order.
import { emptyUsage } from "../../src/ai/usage.js";
import type { AgentEvent, TurnResult } from "../../src/agent/agent-events.js";
import type { WhatsAppGateway } from "../../src/channels/whatsapp/gateway.js";
import type { GatewayEvent, HandleResult, InboundMessage, TranscriptItem } from "../../src/gateway/port.js";
import type { TurnFailureCause } from "../../src/sessions/entries.js";

export type Outcome = { ok: string; notice?: string; events?: AgentEvent[] } | { fail: TurnFailureCause; error?: string };

export function ok(text: string, session: string, notice?: string): TurnResult {
  return { ok: true, text, model: "local/m" as never, session, attempts: [], usage: { input: 1, output: 1, cacheRead: 0, cacheWrite: 0, reasoning: 0, estimated: false }, cost: 0, notice, truncated: false, compaction: undefined };
}

export class ScriptGateway implements WhatsAppGateway {
  readonly received: InboundMessage[] = [];
  readonly transcripts = new Map<string, TranscriptItem[]>();
  private readonly listeners = new Set<(event: GatewayEvent) => void>();
  private readonly queues = new Map<string, Promise<unknown>>();
  private gate: Promise<void> | undefined;
  private openGate: (() => void) | undefined;
  private arrived: (() => void) | undefined;

  constructor(public decide: (inbound: InboundMessage) => Outcome = (inbound) => ({ ok: `re: ${inbound.text}` })) {}

  /** Turns wait at the start until release(); resolves when the first held turn has arrived. */
  hold(): Promise<void> {
    this.gate = new Promise((resolve) => (this.openGate = resolve));
    return new Promise((resolve) => (this.arrived = resolve));
  }

  release(): void {
    this.openGate?.();
    this.gate = undefined;
  }

  emit(event: GatewayEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  handle(inbound: InboundMessage): Promise<HandleResult> {
    this.received.push(inbound);
    const previous = this.queues.get(inbound.session) ?? Promise.resolve();
    const next = previous.then(() => this.turn(inbound));
    this.queues.set(inbound.session, next.catch(() => undefined));
    return next;
  }

  private async turn(inbound: InboundMessage): Promise<HandleResult> {
    const items = this.transcripts.get(inbound.session) ?? [];
    this.transcripts.set(inbound.session, items);
    if (!inbound.retry) items.push({ role: "user", text: inbound.text, at: new Date().toISOString() });
    const outcome = this.decide(inbound);
    if ("events" in outcome) for (const event of outcome.events ?? []) inbound.onEvent?.(event);
    this.arrived?.();
    this.arrived = undefined;
    if (this.gate) await this.gate;
    if ("fail" in outcome) {
      return { kind: "turn", result: { ok: false, error: outcome.error ?? "every model failed", session: inbound.session, attempts: [], cause: outcome.fail, compaction: undefined, usage: emptyUsage() } };
    }
    // As the gateway says it: a message resent after later messages (the one retryOf names) is said to be sent again.
    const resent = inbound.retryOf === undefined ? -1 : items.findIndex((item) => item.id === inbound.retryOf);
    const again = resent !== -1 && items.slice(resent + 1).some((item) => item.role === "user");
    items.push({ role: "assistant", text: outcome.ok, at: new Date().toISOString() });
    return { kind: "turn", result: ok(outcome.ok, inbound.session, outcome.notice), ...(again ? { sentAgain: items[resent]?.text } : {}) };
  }

  subscribe(listener: (event: GatewayEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** No models: images are described, as to a text-only model. */
  catalogue() {
    return { agents: [], models: [] };
  }

  sessions() {
    return {
      list: async () => ({ sessions: [], problems: [] }),
      contextUse: async () => ({ model: undefined, tokens: 0, window: 0, promptTokens: 0 }),
      settings: async () => ({ reasoning: false, model: undefined }),
      transcript: async (session: string) => this.transcripts.get(session) ?? [],
      conversation: async (session: string) => ({ items: this.transcripts.get(session) ?? [], live: undefined, waiting: [] }),
      underWay: () => [],
    };
  }
}
