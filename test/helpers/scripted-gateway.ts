// A scripted stand-in for the gateway behind the web chat's /api: the GatewayPort methods the /api uses,
// with turns whose events follow what the message asks for (so a browser test can provoke each case):
//   "hold"      streams a first part, then waits for release(session) before finishing (or for the cancel);
//               "long hold": the first part is 30 paragraphs, taller than a phone's screen;
//   "fallback"  the local server fails, Opus answers (attempt-failed, then the fallback notice);
//   "loading"   the local model is loading first (model-loading), then answers;
//   "raw html"  a reply holding <img onerror>, <script>, a Markdown image and a javascript: link;
//   "a table"   a Markdown table (a narrow one, then one wider than a phone) and an image;
//   "wide answer" a code line, a table and a token each wider than a laptop's conversation column;
//   anything else: a short markdown answer.
// Commands: /help, /status, /model [name|reset] and /reasoning on|off answer at once as command-result events. Sessions live in memory.
import { emptyUsage } from "../../src/ai/usage.js";
import type { AgentEvent, TurnResult } from "../../src/agent/agent-events.js";
import type {
  Catalogue,
  ContextUse,
  GatewayEvent,
  GatewayPort,
  HandleResult,
  InboundMessage,
  ProviderHealth,
  SessionListing,
  TranscriptItem,
} from "../../src/gateway/port.js";

/** What the /api reads of the catalogue (the specs stay out: the page never sees them). */
export interface CatalogueSummary {
  agents: Catalogue["agents"];
  models: readonly { ref: string; alias: string | undefined; local: boolean }[];
}

export type WebChatBackend = Pick<GatewayPort, "handle" | "health" | "sessions" | "setupProblems" | "subscribe"> & {
  catalogue(): CatalogueSummary;
};

export const HELP_TEXT = "Commands:\n/help — this list\n/status — the session's model and context\n/new — start a new conversation";
export const FALLBACK_NOTICE = "answered by Opus — Local (local server) unreachable";
export const PRIMARY = "lmstudio/minimax-m2.1";
const MODELS: CatalogueSummary["models"] = [
  { ref: PRIMARY, alias: "Minimax", local: true },
  { ref: "anthropic/claude-opus-4-5", alias: "Opus", local: false },
  { ref: "openrouter/qwen/qwen3-coder", alias: undefined, local: false },
];

export interface ScriptedGateway extends WebChatBackend {
  /** Lets a "hold" turn of this session finish. */
  release(session: string): void;
  /** The inbound messages handle() received, in order. */
  readonly received: InboundMessage[];
}

export function createScriptedGateway(options: { setupProblems?: readonly string[]; sessionProblems?: readonly string[] } = {}): ScriptedGateway {
  const listeners = new Set<(event: GatewayEvent) => void>();
  const transcripts = new Map<string, TranscriptItem[]>();
  let entries = 0;
  /** Each session's `/model` choice (a ref). */
  const sessionModels = new Map<string, string>();
  /** Sessions where `/reasoning on` was said. */
  const reasoningShown = new Set<string>();
  const queues = new Map<string, Promise<unknown>>();
  const gates = new Map<string, () => void>();
  const pendingReleases = new Set<string>();
  const received: InboundMessage[] = [];
  const providers: ProviderHealth[] = [
    { provider: "lmstudio", local: true, state: "up", firstTokenMs: [420, 380, 510, 300, 450, 390, 350, 600, 410, 370] },
    {
      provider: "anthropic",
      local: false,
      state: "cooling",
      coolingUntil: new Date(Date.now() + 60_000).toISOString(),
      reason: "rate-limited (429); back in a minute",
      firstTokenMs: [900, 1100, 950, 1020],
    },
    { provider: "openrouter", local: false, state: "unknown", firstTokenMs: [] },
  ];

  const emit = (event: GatewayEvent): void => {
    for (const listener of listeners) listener(event);
  };
  const transcript = (session: string): TranscriptItem[] => {
    let items = transcripts.get(session);
    if (!items) {
      items = [];
      transcripts.set(session, items);
    }
    return items;
  };
  const waitForRelease = (session: string): Promise<void> => {
    if (pendingReleases.delete(session)) return Promise.resolve();
    return new Promise((resolve) => gates.set(session, resolve));
  };

  const runTurn = async (inbound: InboundMessage): Promise<TurnResult> => {
    const { session } = inbound;
    const items = transcript(session);
    const lastUser = [...items].reverse().find((item) => item.role === "user");
    const text = inbound.retry && lastUser ? lastUser.text : inbound.text;
    // Each message has its entry id; a resend of the last one goes in place of it (its turn-start says so), as the gateway's does.
    const message = `m${++entries}`;
    const retryOf = inbound.retry ? lastUser?.id : undefined;
    if (!inbound.retry) items.push({ role: "user", text, at: new Date().toISOString(), id: message });
    else if (lastUser) Object.assign(lastUser, { unanswered: false, id: message });
    emit({ type: "turn-start", session, channel: inbound.channel, text, message, ...(retryOf === undefined ? {} : { retryOf, again: false }) });
    const send = (event: AgentEvent): void => {
      inbound.onEvent?.(event);
      emit({ type: "turn-event", session, event });
    };
    const lower = text.toLowerCase();
    let model = inbound.model ?? sessionModels.get(session) ?? PRIMARY;
    let notice: string | undefined;
    let parts: string[];
    if (lower.includes("fallback")) {
      send({ type: "attempt-failed", model: PRIMARY as never, outcome: "unreachable", message: "local server unreachable", next: "anthropic/claude-opus-4-5" as never });
      model = "anthropic/claude-opus-4-5";
      notice = FALLBACK_NOTICE;
      parts = ["The local server was down, ", "so **Opus** answered this one."];
    } else if (lower.includes("loading")) {
      send({ type: "model-loading", model: PRIMARY as never, waiting: true });
      parts = ["Loaded and ", "ready."];
    } else if (lower.includes("raw html")) {
      parts = [
        "Here it is: <img src=x onerror=\"window.__pwned=1\"> and ",
        "<script>window.__pwned=2</script> and ![pixel](http://127.0.0.1:9/pixel.png) and ",
        "[click me](javascript:window.__pwned=3) and [the docs](https://example.com/docs) done.",
      ];
    } else if (lower.includes("a table")) {
      parts = [
        "Two tables.\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n",
        `| ${["model", "context window", "first token", "tokens per second", "provider", "quantisation"].join(" | ")} |\n|${"---|".repeat(6)}\n`,
        `| minimax-m2.1-gs32 | 32,768 | 412 ms | 38.5 | lmstudio (local server) | Q4_K_M |\n\n`,
        "And ![a chart](http://127.0.0.1:9/chart.png) to finish.",
      ];
    } else if (lower.includes("wide answer")) {
      // What overflowed a 1280-px window's column (t12-user #4): a long code line, a wide table, a long token.
      parts = [
        "A code block:\n\n```\n" + `const line = [${Array.from({ length: 30 }, (_, index) => `"item-${index}"`).join(", ")}];` + "\n```\n\n",
        `| ${["model", "context window", "first token", "tokens per second", "provider", "quantisation", "replicas", "notes"].join(" | ")} |\n|${"---|".repeat(8)}\n`,
        "| minimax-m2.1-gs32 | 32,768 | 412 ms | 38.5 | lmstudio (local server) | Q4_K_M | 2 | the one the agent uses first |\n\n",
        `And a long token: ${"x".repeat(240)} to finish.`,
      ];
    } else if (lower.includes("long hold")) {
      parts = Array.from({ length: 30 }, (_, index) => `Paragraph ${index + 1} of a long answer, streamed before the hold.\n\n`);
    } else if (lower.includes("hold")) {
      parts = ["Streaming part one, "];
    } else {
      parts = ["Hello from the **scripted model**. ", `You said: ${text}`];
    }
    send({ type: "reasoning-delta", delta: "Thinking about what to say." });
    for (const part of parts) {
      send({ type: "text-delta", delta: part });
      await new Promise((resolve) => setImmediate(resolve));
    }
    if (lower.includes("hold")) {
      const released = await Promise.race([
        waitForRelease(session).then(() => true),
        new Promise<false>((resolve) => inbound.signal?.addEventListener("abort", () => resolve(false), { once: true })),
      ]);
      if (!released) {
        gates.delete(session);
        const asked = [...items].reverse().find((item) => item.role === "user");
        if (asked) asked.unanswered = true;
        return { ok: false, error: "cancelled — nothing was saved of the answer", session, attempts: [{ model, outcome: "aborted", ms: 5 }], cause: "cancelled", compaction: undefined, usage: emptyUsage() };
      }
      parts.push("and part two after the release.");
      send({ type: "text-delta", delta: "and part two after the release." });
    }
    const answer = parts.join("");
    if (notice) items.push({ role: "notice", text: notice, at: new Date().toISOString() });
    items.push({ role: "assistant", text: answer, reasoning: "Thinking about what to say.", model: model as never, at: new Date().toISOString() });
    const lmstudio = providers[0];
    if (lmstudio) {
      lmstudio.firstTokenMs = [...lmstudio.firstTokenMs.slice(-59), 250 + (items.length % 7) * 40];
      emit({ type: "provider-health", health: lmstudio });
    }
    return {
      ok: true,
      text: answer,
      model: model as never,
      session,
      attempts: [{ model, outcome: "ok", ms: 12 }],
      usage: { input: 40, output: 12, cacheRead: 0, cacheWrite: 0, reasoning: 0, estimated: false },
      cost: 0,
      notice,
      truncated: false,
      compaction: undefined,
    };
  };

  const handle = async (inbound: InboundMessage): Promise<HandleResult> => {
    received.push(inbound);
    const command = inbound.text.trim().split(/\s+/)[0];
    if (command === "/reasoning") {
      const on = inbound.text.trim().split(/\s+/)[1] === "on";
      if (on) reasoningShown.add(inbound.session);
      else reasoningShown.delete(inbound.session);
      // The web chat's words (the real gateway answers each channel as it shows reasoning).
      const text = on ? "Reasoning will be shown: a collapsed “Reasoning” block above each answer that has some — click it to open." : "Reasoning is hidden.";
      emit({ type: "command-result", session: inbound.session, text });
      return { kind: "command", text };
    }
    if (command === "/model") {
      // As the real gateway keeps it: the session's choice (a ref; null for the agent's), and a notice in its history.
      const name = inbound.text.trim().split(/\s+/).slice(1).join(" ");
      const found = MODELS.find((model) => model.alias === name || model.ref === name);
      const reset = name === "reset";
      if (reset) sessionModels.delete(inbound.session);
      else if (found) sessionModels.set(inbound.session, found.ref);
      if (reset || found) transcript(inbound.session).push({ role: "notice", text: found ? `model: ${found.ref}` : "model: back to the agent's", at: new Date().toISOString() });
      const text = reset ? `Back to the agent's model: ${PRIMARY}.` : found ? `This session now uses ${found.alias ?? found.ref} (${found.ref}).` : name === "" ? `${sessionModels.get(inbound.session) ?? PRIMARY}` : `unknown model ${name}`;
      emit({ type: "command-result", session: inbound.session, text });
      return { kind: "command", text };
    }
    if (command === "/help" || command === "/status") {
      const text = command === "/help" ? HELP_TEXT : `model ${PRIMARY}, ${transcript(inbound.session).length} messages`;
      emit({ type: "command-result", session: inbound.session, text });
      return { kind: "command", text };
    }
    const previous = queues.get(inbound.session) ?? Promise.resolve();
    const turn = previous.then(() => runTurn(inbound));
    queues.set(inbound.session, turn.catch(() => undefined));
    const result = await turn;
    emit({ type: "turn-end", session: inbound.session, result });
    return { kind: "turn", result };
  };

  const listing = (session: string, items: readonly TranscriptItem[]): SessionListing => ({
    session,
    updated: items.at(-1)?.at ?? new Date().toISOString(),
    turns: items.filter((item) => item.role === "user").length,
    lastText: [...items].reverse().find((item) => item.role === "user")?.text ?? "",
  });

  return {
    received,
    handle,
    release: (session) => {
      const gate = gates.get(session);
      gates.delete(session);
      if (gate) gate();
      else pendingReleases.add(session);
    },
    catalogue: () => ({ agents: [{ id: "main", name: "Main", primary: PRIMARY as never }], models: MODELS }),
    health: () => providers,
    setupProblems: () => options.setupProblems ?? [],
    subscribe: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    sessions: () => ({
      list: async () => ({
        sessions: [...transcripts.entries()]
          .filter(([, items]) => items.length > 0)
          .map(([session, items]) => listing(session, items))
          .sort((a, b) => b.updated.localeCompare(a.updated)),
        problems: [...(options.sessionProblems ?? [])],
      }),
      transcript: async (session) => {
        const items = transcripts.get(session);
        if (!items) throw new Error(`no session '${session}'`);
        return items;
      },
      // The scripted turns keep no snapshot: a page reloaded mid-turn is the real gateway's case (gateway-midturn-browser.test.ts).
      conversation: async (session) => {
        const items = transcripts.get(session);
        if (!items) throw new Error(`no session '${session}'`);
        return { items, live: undefined, waiting: [] };
      },
      underWay: () => [],
      contextUse: async (session): Promise<ContextUse> => ({
        model: PRIMARY as never,
        tokens: 1200 + (transcripts.get(session) ?? []).reduce((sum, item) => sum + Math.ceil(item.text.length / 4), 0),
        window: 196_608,
        promptTokens: 180_000,
      }),
      settings: async (session) => ({ reasoning: reasoningShown.has(session), model: sessionModels.get(session) as never }),
    }),
  };
}
