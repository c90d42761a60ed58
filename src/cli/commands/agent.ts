import type { CompactionOutcome, TurnResult } from "../../agent/agent-events.js";
import { commandWord } from "../../agent/command-shape.js";
import type { Usage } from "../../ai/types.js";
import { addUsage } from "../../ai/usage.js";
import { commandRefusal, isCommand, isRetry } from "../../agent/commands.js";
import { failureHint } from "../../agent/failure-hint.js";
import { keyAdviceOf } from "../../models/key-advice.js";
import { refNamer } from "../../models/provider-words.js";
import { attemptFailedNotice, loadingNotice, queuedNotice, waitingNotice } from "../../models/waiting-notice.js";
import { checkSessionKey } from "../../sessions/session-store.js";
import { HearthError } from "../../shared/errors.js";
import { commandLine, configuredCommand, painter, terminalSafe, writeJson, writeLine, type CliIo, type GlobalOptions } from "../io.js";
import { createCliRuntime } from "../cli-runtime.js";
import { isBlank } from "../../shared/blank-text.js";
import { shellLine } from "../../shared/shell-quote.js";
import { answerText, trimNote } from "../../agent/turn-notes.js";

export interface AgentCommandOptions extends GlobalOptions {
  message?: string;
  session?: string;
  agent?: string;
  model?: string;
  new?: boolean;
  retry?: boolean;
}

/**
 * `hearth agent --message TEXT` (or `-m -`: the message from stdin): one turn; the final text on stdout. Exit 1, with every attempt, when no model answered.
 * Usage problems are thrown as HearthError("usage") so that main reports them (with --json: one JSON document on stdout, exit 2).
 */
export async function agentCommand(io: CliIo, options: AgentCommandOptions): Promise<number> {
  const fromStdin = options.message === "-" || (options.message === undefined && !options.retry && !options.new && !io.stdin.isTTY);
  if (options.message === undefined && !fromStdin && !options.retry && !options.new) {
    throw new HearthError("usage", `agent needs a message: ${commandLine(io, "agent --message TEXT")}, or -m - to read it from stdin (or --retry to send the last one again)`);
  }
  const message = fromStdin ? await readAll(io.stdin) : (options.message ?? "");
  const retrying = Boolean(options.retry) || isRetry(message);
  if (options.retry && message.trim() !== "") {
    throw new HearthError("usage", "--retry sends again the latest message that got no answer: leave out --message (-m \"/retry 2\" sends the one before it)");
  }
  if (isBlank(message) && !retrying && !options.new) {
    throw new HearthError("usage", fromStdin ? "the message read from stdin is empty; fix: pipe some text in, or give --message TEXT" : "--message needs some text (or --retry to send the last one again)");
  }
  // A mistyped command, or text a command does not read, is bad usage here (exit 2), as a mistyped flag is; a chat channel answers it instead.
  const refused = commandRefusal(message);
  if (refused) throw new HearthError("usage", refused);
  const key = checkSessionKey(options.session ?? "main");
  const runtime = await createCliRuntime(io, { ...options, turnProcess: "agent" });
  const paint = painter(io, "stderr");
  try {
    const handle = (text: string, extra: { retry?: boolean } = {}) =>
      runtime.gateway.handle({
        channel: "cli",
        session: key,
        agent: options.agent,
        text,
        model: options.model,
        canRestart: true,
        ...extra,
        onEvent: (event) => {
          if (options.json) return;
          // Every model named as the fallback notice names it (modelName): one name for one model in the whole stream.
          if (event.type === "model-loading") writeLine(io.stderr, paint("dim", loadingNotice(event, runtime.catalog)));
          if (event.type === "attempt-failed" && event.next) writeLine(io.stderr, paint("dim", attemptFailedNotice(event, runtime.catalog)));
          if (event.type === "attempt-waiting") writeLine(io.stderr, paint("dim", waitingNotice(event, runtime.catalog)));
          if (event.type === "attempt-queued") writeLine(io.stderr, paint("dim", queuedNotice(event, runtime.catalog)));
          if (event.type === "compaction" && event.phase === "start") writeLine(io.stderr, paint("dim", "compacting the conversation…"));
          if (event.type === "compaction" && event.phase === "failed") writeLine(io.stderr, paint("yellow", `compaction failed: ${event.message ?? ""}`));
          if (event.type === "compaction" && event.phase === "trimmed") writeLine(io.stderr, paint("yellow", trimNote(event, runtime.catalog)));
          if (event.type === "compaction" && event.phase === "deferred") writeLine(io.stderr, paint("dim", `no summary now: ${event.message ?? ""}`));
          if (event.type === "notice") writeLine(io.stderr, paint("yellow", event.text));
        },
      });
    if (options.new) {
      const started = await handle("/new");
      if (isBlank(message) && !retrying) {
        const output = started.kind === "command" ? started.text : "";
        if (options.json) writeJson(io, { output, session: key });
        else writeLine(io.stdout, output);
        return 0;
      }
    }
    if (isCommand(message)) {
      const answer = await handle(message);
      const output = answer.kind === "command" ? answer.text : "";
      if (options.json) writeJson(io, { command: commandWord(message), output, session: key });
      else writeLine(io.stdout, output);
      return 0;
    }
    // `--retry` is `/retry`: the latest message that got no answer (`-m "/retry 2"`: the one before it).
    const handled = retrying ? await handle(options.retry ? "/retry" : message, { retry: true }) : await handle(message);
    if (handled.kind === "command") {
      // Only a retry with nothing to resend comes back as a command's answer here.
      const nothing = `${handled.text.replace(/^Nothing/, "nothing")} (session ${key})`;
      if (options.json) writeJson(io, { error: nothing, session: key, attempts: [] });
      writeLine(io.stderr, `hearth: ${nothing}`);
      return 1;
    }
    const result = handled.result;
    if (!result.ok) {
      if (options.json) writeJson(io, { error: result.error, cause: result.cause, session: key, attempts: result.attempts, ...(result.unsavedAnswer === undefined ? {} : { text: result.unsavedAnswer, saved: false }), ...compactionField(result) });
      // An answer that could not be saved is shown all the same (the error below says it was not kept).
      else if (result.unsavedAnswer !== undefined) writeLine(io.stdout, terminalSafe(result.unsavedAnswer));
      // Each model named as the config writes it (refName: a provider key written with a variable as written), in the summary too.
      const named = refNamer(runtime.catalog);
      const summary = [...new Set(result.attempts.map((attempt) => attempt.model))].reduce((text, ref) => text.split(`${ref}: `).join(`${named(ref)}: `), result.error);
      writeLine(io.stderr, `hearth: ${summary}`);
      for (const attempt of result.attempts) {
        const why = attempt.message?.startsWith(`${attempt.model}: `) ? attempt.message.slice(attempt.model.length + 2) : attempt.message;
        writeLine(io.stderr, `  ${named(attempt.model)}: ${attempt.outcome}${why ? ` — ${why}` : ""}`);
      }
      // Ready to paste: the same config, session and agent as this command's.
      // The config's --config comes with commandLine (the io's configFlag).
      const retry = shellLine(["agent", ...(key === "main" ? [] : ["-s", key]), ...(options.agent === undefined ? [] : ["--agent", options.agent]), "--retry"]);
      writeLine(io.stderr, `  (${failureHint({ cause: result.cause, attempts: result.attempts, command: configuredCommand(io), retry: `\`${commandLine(io, retry)}\``, keyFixOf: keyAdviceOf(runtime.catalog) })})`);
      return 1;
    }
    if (options.json) {
      writeJson(io, {
        text: result.text,
        model: result.model,
        session: key,
        attempts: result.attempts.map(({ model, outcome, ms, usage }) => ({ model, outcome, ms, ...(usage ? { usage } : {}) })),
        usage: result.usage,
        ...spentField(result),
        cost: result.cost,
        ...(result.notice ? { notice: result.notice } : {}),
        ...(result.truncated ? { truncated: true } : {}),
        // Stopped before a word of an answer (a tool loop, maxSteps): why, beside the empty text.
        ...(result.stopped !== undefined ? { stopped: result.stopped } : {}),
        ...compactionField(result),
      });
      return 0;
    }
    if (result.notice) writeLine(io.stderr, paint("dim", result.notice));
    // Stopped with no answer: stdout says why, as an API reply does (the notice on stderr said it as it happened), not an empty line.
    writeLine(io.stdout, terminalSafe(answerText(result)));
    return 0;
  } finally {
    await runtime.close();
  }
}

/**
 * `--json`'s `spent`: what the turn used in all — the answering calls' `usage` and what failed calls
 * spent before they broke (each attempt's `usage`) — only when a failed call spent any.
 */
function spentField(result: Extract<TurnResult, { ok: true }>): { spent?: Usage } {
  const broken = result.attempts.flatMap((attempt) => (attempt.usage ? [attempt.usage] : []));
  if (broken.length === 0) return {};
  const spent = { ...result.usage };
  for (const usage of broken) addUsage(spent, usage);
  return { spent };
}

/** `--json` says what became of a compaction the turn needed, and why one did not happen or failed. */
function compactionField(result: TurnResult): { compaction?: CompactionOutcome } {
  return result.compaction ? { compaction: result.compaction } : {};
}

/** The whole of stdin as one message (`hearth agent -m - < notes.txt`); the newline that ends the input is not part of it. */
async function readAll(input: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of input) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString("utf8").replace(/\r?\n$/, "");
}
