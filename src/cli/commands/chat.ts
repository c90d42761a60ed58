import { join } from "node:path";
import type { AgentEvent } from "../../agent/agent-events.js";
import { conversationView } from "../../agent/build-context.js";
import { isCommand } from "../../agent/commands.js";
import { stateDir } from "../../config/paths.js";
import { failureHint } from "../../agent/failure-hint.js";
import { keyAdviceOf } from "../../models/key-advice.js";
import { attemptFailedNotice, loadingNotice, queuedNotice, waitingNotice } from "../../models/waiting-notice.js";
import { trimNote } from "../../agent/turn-notes.js";
import { busyNotice, checkSessionKey } from "../../sessions/session-store.js";
import { commandLine, configuredCommand, painter, terminalSafe, writeLine, type CliIo, type GlobalOptions } from "../io.js";
import { agentGoneWords, keepWhileAgentGone } from "../chat-agent-gone.js";
import { ChatHistory } from "../chat-history.js";
import { ChatInput } from "../chat-input.js";
import { createCliRuntime } from "../cli-runtime.js";
import { ConfigStamp } from "../config-stamp.js";
import { serviceEnvFile } from "../../config/service-env.js";
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
export async function chatCommand(io: CliIo, options: ChatOptions, input: NodeJS.ReadableStream & { isTTY?: boolean } = io.stdin): Promise<number> {
  const key = checkSessionKey(options.session ?? "main");
  const runtime = await createCliRuntime(io, { ...options, turnProcess: "chat" });
  // The agent as the config names it (`--agent Helper` of "helper"): each message asks for it by that id.
  let agent = runtime.agent(options.agent ?? "main");
  const agentId = agent.spec.id;
  const tty = Boolean(io.stdout.isTTY && (input as { isTTY?: boolean }).isTTY);
  const paint = painter(io);
  const history = new ChatHistory({ file: join(stateDir({ env: io.env, cwd: io.cwd }), "chat-history"), lines: HISTORY_LINES, secrets: io.secrets });
  const spinner = new Spinner(io.stderr, tty && Boolean(io.stderr.isTTY), !("NO_COLOR" in io.env));
  let failures = 0;
  let turn: AbortController | undefined;
  // A chat stays open for hours: each message is answered by the config as it is then (a fallback removed is
  // never called), as the gateway's reload has it; an edit that cannot be loaded leaves the last good one serving.
  const envFile = serviceEnvFile(io.env);
  const configStamp = new ConfigStamp([runtime.config.loaded.location.file, ...(envFile ? [envFile] : [])]);
  const readConfigAgain = async (): Promise<void> => {
    if (!configStamp.changed()) return;
    const reloaded = await runtime.reload();
    if (reloaded.ok) {
      writeLine(io.stderr, paint("dim", "config reloaded"));
      for (const warning of reloaded.warnings) writeLine(io.stderr, warning);
      return;
    }
    const [problem, ...details] = reloaded.problems;
    writeLine(io.stderr, paint("yellow", `hearth: config reload failed, the config read before keeps serving this chat: ${problem ?? "(no reason given)"}`));
    for (const line of details) writeLine(io.stderr, `  ${line}`);
  };

  const head = agent.chainFor((await runtime.store.read(key)).entries)[0];
  // Say it before the first message, not after it.
  if (!head) writeLine(io.stderr, paint("yellow", `${agent.noModelMessage}; until then messages get no answer`));
  if (tty) {
    writeLine(io.stdout, paint("dim", `hearth chat · session ${key} · ${head ? (runtime.catalog.aliasOf(head.ref) ?? head.ref) : "no model"} · /help for commands, Ctrl+D to leave`));
    writeLine(io.stdout, paint("dim", 'several lines: paste them, end a line with \\, or wrap them in """'));
  }
  // Created last: from here on the terminal is in raw mode, and the finally below restores it.
  const lines = new ChatInput({
    input,
    output: io.stdout,
    tty,
    prompt: paint("bold", "you › "),
    continuationPrompt: paint("dim", "   … "),
    history: tty ? history.read() : [],
    historySize: HISTORY_LINES,
  });
  lines.onInterrupt = () => turn?.abort();

  try {
    for await (const message of lines.messages()) {
      // Only the end is trimmed: whether it is a command is the gateway's one rule on the text as typed ("\n/new" is a message).
      const text = message.trimEnd();
      if (text.trim() === "") continue;
      if (/^[ \t]*\/(exit|quit)$/.test(text)) break;
      if (tty) history.save(text);
      await readConfigAgain();
      // An edit took this chat's agent out of the config: the chat stays open, a message is kept unanswered (`/retry` sends it), and it says what to do.
      const gone = agentGoneWords(agentId, { agents: [...runtime.config.agents.keys()], chatCommand: (other) => commandLine(io, `chat --agent ${other} -s ${key}`) });
      if (gone) {
        turn = new AbortController();
        const kept = await keepWhileAgentGone(text, { session: key, agent, store: runtime.store, why: `${gone.problem} — /retry sends it once an agent answers here`, onWait: () => writeLine(io.stderr, paint("dim", busyNotice(key))), signal: turn.signal });
        turn = undefined;
        failures++;
        const said =
          kept.kind === "kept" ? `no answer: ${gone.problem}; your message is kept in session ${key}, unanswered (/retry sends it)`
          : kept.kind === "command" ? `hearth: ${gone.problem}; ${text.trim().split(/\s/)[0] ?? text} was not run`
          : `no answer: ${gone.problem}; your message was not kept (${kept.why})`;
        writeLine(io.stderr, paint("red", said));
        writeLine(io.stderr, paint("dim", `(${gone.fix})`));
        continue;
      }
      agent = runtime.agent(agentId);
      if (isCommand(text)) {
        const answer = await runtime.gateway.handle({ channel: "cli", session: key, agent: agentId, text });
        if (answer.kind === "command") writeLine(io.stdout, answer.text);
      } else {
        turn = new AbortController();
        const showReasoning = conversationView((await runtime.store.read(key)).entries).reasoning;
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
            // Every model named as the fallback notice names it (modelName): one name for one model in the whole stream.
            status(loadingNotice(event, runtime.catalog));
          } else if (event.type === "attempt-waiting") {
            // A pipe has no spinner: the wait is said in lines, as `hearth agent` does.
            if (spinner.enabled) status(waitingNotice(event, runtime.catalog));
            else writeLine(io.stderr, paint("dim", waitingNotice(event, runtime.catalog)));
          } else if (event.type === "attempt-queued") {
            if (spinner.enabled) status(queuedNotice(event, runtime.catalog));
            else writeLine(io.stderr, paint("dim", queuedNotice(event, runtime.catalog)));
          } else if (event.type === "attempt-failed" && event.next) {
            status(attemptFailedNotice(event, runtime.catalog));
          } else if (event.type === "answer-restart") {
            if (streamed) io.stdout.write(`\n${paint("yellow", "— that answer broke off; another try follows (if none answers, the part above is kept) —")}\n`);
          } else if (event.type === "compaction") {
            if (event.phase === "start") status("compacting the conversation");
            else spinner.stop();
            if (event.phase === "failed") writeLine(io.stderr, paint("yellow", `compaction failed: ${event.message ?? ""}`));
            if (event.phase === "trimmed") writeLine(io.stderr, paint("yellow", trimNote(event, runtime.catalog)));
            if (event.phase === "deferred") writeLine(io.stderr, paint("dim", `no summary now: ${event.message ?? ""}`));
          } else if (event.type === "tool-start") {
            status(`running ${terminalSafe(event.command)}`);
          } else if (event.type === "notice") {
            // Never glued to the last streamed token.
            if (midLine) io.stdout.write("\n");
            midLine = false;
            writeLine(io.stderr, paint("yellow", event.text));
          }
        };
        spinner.start("thinking");
        // A terminal marks a broken answer and shows the fresh one; a pipe prints only final answers: both can restart.
        const handled = await runtime.gateway.handle({ channel: "cli", session: key, agent: agentId, text, onEvent, signal: turn.signal, canRestart: true, showsLiveText: tty });
        spinner.stop();
        turn = undefined;
        if (handled.kind === "command") {
          // `/retry` with nothing to resend.
          writeLine(io.stdout, handled.text);
          continue;
        }
        const result = handled.result;
        if (!result.ok) {
          failures++;
          if (streamed) io.stdout.write("\n");
          // An answer that could not be saved is shown all the same (the error says it was not kept).
          else if (result.unsavedAnswer !== undefined) writeLine(io.stdout, terminalSafe(result.unsavedAnswer));
          // Words shown before the answer broke off are kept as its answer, cut off (the notice above said so): not "no answer".
          const label = result.unsavedAnswer !== undefined ? "not saved" : result.keptCutOff !== undefined ? "cut off, the part shown kept as the answer" : "no answer";
          writeLine(io.stderr, paint("red", `${label}: ${result.error}`));
          writeLine(io.stderr, paint("dim", `(${failureHint({ cause: result.cause, attempts: result.attempts, command: configuredCommand(io), retry: "/retry", keyFixOf: keyAdviceOf(runtime.catalog) })}; /status shows the model)`));
        } else {
          if (tty) io.stdout.write(streamed ? "\n" : `${terminalSafe(result.text)}\n`);
          else writeLine(io.stdout, terminalSafe(result.text));
          if (result.notice) writeLine(io.stderr, paint("dim", result.notice));
        }
      }
    }
  } finally {
    spinner.stop();
    lines.close();
    await runtime.close();
  }
  // In a pipe, a script learns that a message got no answer.
  return !tty && failures > 0 ? 1 : 0;
}
