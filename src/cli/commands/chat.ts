import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import type { AgentEvent } from "../../agent/agent-events.js";
import { conversationView } from "../../agent/build-context.js";
import { isCommand, runCommand } from "../../agent/commands.js";
import { stateDir } from "../../config/paths.js";
import { failureHint } from "../../models/failure-hint.js";
import { waitingNotice } from "../../models/waiting-notice.js";
import { checkSessionKey } from "../../sessions/session-store.js";
import { appendStateFile, readStateFile } from "../../shared/state-file.js";
import { painter, terminalSafe, writeLine, type CliIo, type GlobalOptions } from "../io.js";
import { createAgentRuntime } from "../wire-agent.js";
import { Spinner } from "../spinner.js";

export interface ChatOptions extends GlobalOptions {
  session?: string;
  agent?: string;
}

const HISTORY_LINES = 500;

/**
 * `hearth chat`: an interactive conversation. On a terminal: streaming text, reasoning dimmed when
 * `/reasoning on`, a spinner while a model loads or a fallback is tried, line history. In a pipe:
 * one line in, the answer out, plain text.
 */
export async function chatCommand(io: CliIo, options: ChatOptions, input: NodeJS.ReadableStream = process.stdin): Promise<number> {
  const key = checkSessionKey(options.session ?? "main");
  const runtime = createAgentRuntime(io, options);
  const tty = Boolean(io.stdout.isTTY && (input as { isTTY?: boolean }).isTTY);
  const paint = painter(io);
  const historyFile = join(stateDir({ env: io.env, cwd: io.cwd }), "chat-history");
  const lines = createInterface({ input, output: tty ? io.stdout : undefined, terminal: tty, history: tty ? readHistory(historyFile) : [], historySize: HISTORY_LINES });
  const spinner = new Spinner(io.stderr, tty && Boolean(io.stderr.isTTY), !("NO_COLOR" in io.env));
  let failures = 0;
  let turn: AbortController | undefined;

  if (tty) {
    const head = runtime.agent.chainFor(runtime.store.read(key).entries)[0];
    writeLine(io.stdout, paint("dim", `hearth chat · session ${key} · ${head ? (runtime.catalog.aliasOf(head.ref) ?? head.ref) : "no model"} · /help for commands, Ctrl+D to leave`));
    lines.setPrompt(paint("bold", "you › "));
    lines.prompt();
    lines.on("SIGINT", () => {
      if (turn) turn.abort();
      else lines.close();
    });
  }

  try {
    for await (const line of lines) {
      const text = line.trim();
      if (text === "") {
        if (tty) lines.prompt();
        continue;
      }
      if (text === "/exit" || text === "/quit") break;
      if (tty) saveHistory(historyFile, text);
      if (isCommand(text)) {
        writeLine(io.stdout, await runCommand(text, key, { agent: runtime.agent, store: runtime.store, catalog: runtime.catalog }));
      } else {
        turn = new AbortController();
        const showReasoning = conversationView(runtime.store.read(key).entries).reasoning;
        let streamed = false;
        let midLine = false;
        let inReasoning = false;
        // The spinner redraws its own line: never over the middle of an answer.
        const status = (text: string): void => {
          if (midLine) {
            io.stdout.write("\n");
            midLine = false;
          }
          spinner.start(text);
        };
        const onEvent = (event: AgentEvent): void => {
          if (event.type === "text-delta" || (event.type === "reasoning-delta" && showReasoning && tty)) {
            spinner.stop();
            if (!tty) return; // a pipe gets the final text once, below
            const reasoning = event.type === "reasoning-delta";
            if (reasoning !== inReasoning && streamed) io.stdout.write("\n");
            inReasoning = reasoning;
            const delta = terminalSafe(event.delta);
            io.stdout.write(reasoning ? paint("dim", delta) : delta);
            streamed = true;
            midLine = !event.delta.endsWith("\n");
          } else if (event.type === "model-loading") {
            status(event.waiting ? `${event.model} is loading on the local server` : `${event.model} is loading; asking the next model`);
          } else if (event.type === "attempt-waiting") {
            status(waitingNotice(event, runtime.catalog));
          } else if (event.type === "attempt-failed" && event.next) {
            status(`${event.model} ${event.outcome}; trying ${event.next}`);
          } else if (event.type === "answer-restart") {
            if (streamed) io.stdout.write(`\n${paint("yellow", "— that answer broke off; a fresh one follows —")}\n`);
          } else if (event.type === "compaction") {
            if (event.phase === "start") status("compacting the conversation");
            else spinner.stop();
            if (event.phase === "failed") writeLine(io.stderr, paint("yellow", `compaction failed: ${event.message ?? ""}`));
          } else if (event.type === "tool-start") {
            status(`using ${event.name}`);
          } else if (event.type === "notice") {
            writeLine(io.stderr, paint("yellow", event.text));
          }
        };
        spinner.start("thinking");
        // A terminal marks a broken answer and shows the fresh one; a pipe prints only final answers: both can restart.
        const result = await runtime.agent.turn(key, text, { onEvent, signal: turn.signal, canRestart: true });
        spinner.stop();
        turn = undefined;
        if (!result.ok) {
          failures++;
          if (streamed) io.stdout.write("\n");
          writeLine(io.stderr, paint("red", `no answer: ${result.error}`));
          writeLine(io.stderr, paint("dim", `(${failureHint(result.attempts)}; /status shows the model)`));
        } else {
          if (tty) io.stdout.write(streamed ? "\n" : `${terminalSafe(result.text)}\n`);
          else writeLine(io.stdout, result.text);
          if (result.notice) writeLine(io.stderr, paint("dim", result.notice));
        }
      }
      if (tty) lines.prompt();
    }
  } finally {
    spinner.stop();
    lines.close();
    runtime.close();
  }
  // In a pipe, a script learns that a message got no answer.
  return !tty && failures > 0 ? 1 : 0;
}

function readHistory(file: string): string[] {
  try {
    return (readStateFile({ path: file, doing: "read the chat history from" }) ?? "").split("\n").filter(Boolean).slice(-HISTORY_LINES).reverse();
  } catch {
    return [];
  }
}

function saveHistory(file: string, line: string): void {
  try {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    appendStateFile({ path: file, doing: "save the chat history to" }, `${line.replace(/\n/g, " ")}\n`);
  } catch {
    // History is a convenience; a read-only state dir must not break the chat.
  }
}
