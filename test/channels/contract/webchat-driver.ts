// The web chat through the wire protocol its page speaks, against the real `bin/hearth gateway`
// process: POST /api/sessions/:session/messages, the answer read from GET /api/events (SSE) and folded
// into what is shown by the page's own code (live-turn.ts), transcripts from GET /api/sessions/:session.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { applyAgentEvent, applyTurnResult, newLiveTurn, type LiveTurn } from "../../../src/channels/webchat/page/live-turn.js";
import type { GatewayEvent, TranscriptItem } from "../../../src/gateway/port.js";
import { startGateway, type RunningGateway } from "../../helpers/run-gateway.js";
import { openSse, type SseConnection } from "../../helpers/sse-client.js";
import type { ChannelDriver, Shown } from "./driver.js";

const sessionOf = (conversation: string): string => `contract-${conversation}`;
/** The longest the driver waits for a turn to end: a hang fails the test saying what it waited for. */
const WAIT_MS = 30_000;

function within<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no end after ${WAIT_MS} ms: ${what}`)), WAIT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** What the page shows of one turn, and every event it was drawn from. */
function shownOf(turn: LiveTurn, streamed: string, raw: string[]): Shown {
  return {
    text: turn.failed ? "" : turn.text,
    reasoning: turn.reasoning,
    streamed,
    notices: turn.notes.filter((note) => note.kind !== "error").map((note) => note.text),
    error: turn.notes.find((note) => note.kind === "error")?.text,
    everything: raw,
  };
}

export function webChatDriver(): ChannelDriver {
  let gateway: RunningGateway | undefined;
  let events: SseConnection | undefined;
  let args: { file: string; stateDir: string } | undefined;

  const running = (): { gateway: RunningGateway; events: SseConnection } => {
    if (!gateway || !events) throw new Error("the web chat driver is not started");
    return { gateway, events };
  };
  const launch = async (): Promise<void> => {
    if (!args) throw new Error("the web chat driver was never started");
    gateway = await startGateway(["--config", args.file], { HEARTH_STATE_DIR: args.stateDir });
    events = await openSse(`${gateway.url}/api/events`, { accept: "text/event-stream" });
  };
  const post = async (conversation: string, text: string): Promise<void> => {
    const response = await fetch(`${running().gateway.url}/api/sessions/${encodeURIComponent(sessionOf(conversation))}/messages`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ text }),
    });
    if (response.status !== 202) throw new Error(`POST messages answered ${response.status}: ${await response.text()}`);
  };
  /** Waits for `count` turns (or command answers) of the conversation after event `from`, and folds each as the page does. */
  const collect = async (conversation: string, from: number, count: number): Promise<Shown[]> => {
    const session = sessionOf(conversation);
    const { events: stream } = running();
    const ends = (index: number): boolean => {
      const event = JSON.parse(stream.seen[index]?.data ?? "{}") as GatewayEvent;
      return "session" in event && event.session === session && (event.type === "turn-end" || event.type === "command-result");
    };
    for (;;) {
      const done = stream.seen.slice(from).filter((_, offset) => ends(from + offset)).length;
      if (done >= count) break;
      await within(
        stream.next((message) => stream.seen.indexOf(message) >= from && ends(stream.seen.indexOf(message))),
        `the answer to a message in "${session}" (seen: ${stream.seen.slice(from).map((message) => message.event).join(", ")})`,
      );
    }
    const shown: Shown[] = [];
    let turn = newLiveTurn();
    let raw: string[] = [];
    for (const message of stream.seen.slice(from)) {
      const event = JSON.parse(message.data) as GatewayEvent;
      if (!("session" in event) || event.session !== session) continue;
      raw.push(message.data);
      if (event.type === "turn-start") turn = newLiveTurn();
      else if (event.type === "turn-event") applyAgentEvent(turn, event.event);
      else if (event.type === "turn-end") {
        const streamed = turn.text;
        applyTurnResult(turn, event.result);
        shown.push(shownOf(turn, streamed, raw));
        [turn, raw] = [newLiveTurn(), []];
      } else if (event.type === "command-result") {
        shown.push({ text: event.text, reasoning: "", streamed: undefined, notices: [], error: undefined, everything: raw });
        [turn, raw] = [newLiveTurn(), []];
      }
      if (shown.length === count) break;
    }
    return shown;
  };

  return {
    name: "web chat",
    showsReasoning: true,
    async start(options) {
      const file = join(options.stateDir, "hearth.json");
      writeFileSync(file, JSON.stringify(options.config, null, 2));
      args = { file, stateDir: options.stateDir };
      await launch();
    },
    async send(conversation, text) {
      const from = running().events.seen.length;
      await post(conversation, text);
      const [shown] = await collect(conversation, from, 1);
      if (!shown) throw new Error("no answer was shown");
      return shown;
    },
    async burst(conversation, texts) {
      const from = running().events.seen.length;
      for (const text of texts) await post(conversation, text);
      return collect(conversation, from, texts.length);
    },
    async transcript(conversation) {
      const response = await fetch(`${running().gateway.url}/api/sessions/${encodeURIComponent(sessionOf(conversation))}`);
      if (response.status === 404) return [];
      return ((await response.json()) as { items: TranscriptItem[] }).items;
    },
    async surroundings() {
      const { gateway: process, events: stream } = running();
      const status = await (await fetch(`${process.url}/api/status`)).text();
      const sessions = await (await fetch(`${process.url}/api/sessions`)).text();
      return [status, sessions, ...stream.seen.map((message) => message.data)];
    },
    async restart() {
      await this.stop();
      await launch();
    },
    async stop() {
      events?.close();
      await gateway?.stop();
      [events, gateway] = [undefined, undefined];
    },
  };
}
