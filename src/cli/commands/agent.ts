import { isCommand, runCommand } from "../../agent/commands.js";
import { failureHint } from "../../models/failure-hint.js";
import { waitingNotice } from "../../models/waiting-notice.js";
import { checkSessionKey } from "../../sessions/session-store.js";
import { painter, terminalSafe, writeJson, writeLine, type CliIo, type GlobalOptions } from "../io.js";
import { createAgentRuntime } from "../wire-agent.js";

export interface AgentCommandOptions extends GlobalOptions {
  message?: string;
  session?: string;
  agent?: string;
  model?: string;
}

/** `hearth agent --message TEXT`: one turn; the final text on stdout. Exit 1, with every attempt, when no model answered. */
export async function agentCommand(io: CliIo, options: AgentCommandOptions): Promise<number> {
  const message = options.message ?? "";
  if (message.trim() === "") {
    writeLine(io.stderr, "hearth: --message needs some text");
    return 2;
  }
  const key = checkSessionKey(options.session ?? "main");
  const runtime = createAgentRuntime(io, options);
  const paint = painter(io, "stderr");
  try {
    if (isCommand(message)) {
      const output = await runCommand(message, key, { agent: runtime.agent, store: runtime.store, catalog: runtime.catalog });
      if (options.json) writeJson(io, { command: message.trim().split(/\s+/)[0], output, session: key });
      else writeLine(io.stdout, output);
      return 0;
    }
    const result = await runtime.agent.turn(key, message, {
      model: runtime.model,
      canRestart: true,
      onEvent: (event) => {
        if (options.json) return;
        if (event.type === "model-loading") writeLine(io.stderr, paint("dim", event.waiting ? `${event.model} is loading on the local server; waiting…` : `${event.model} is loading; the next model answers meanwhile`));
        if (event.type === "attempt-failed" && event.next) writeLine(io.stderr, paint("dim", `${event.model} ${event.outcome}; trying ${event.next}`));
        if (event.type === "attempt-waiting") writeLine(io.stderr, paint("dim", waitingNotice(event, runtime.catalog)));
        if (event.type === "compaction" && event.phase === "start") writeLine(io.stderr, paint("dim", "compacting the conversation…"));
        if (event.type === "compaction" && event.phase === "failed") writeLine(io.stderr, paint("yellow", `compaction failed: ${event.message ?? ""}`));
        if (event.type === "notice") writeLine(io.stderr, paint("yellow", event.text));
      },
    });
    if (!result.ok) {
      if (options.json) writeJson(io, { error: result.error, session: key, attempts: result.attempts });
      writeLine(io.stderr, `hearth: ${result.error}`);
      for (const attempt of result.attempts) {
        const why = attempt.message?.startsWith(`${attempt.model}: `) ? attempt.message.slice(attempt.model.length + 2) : attempt.message;
        writeLine(io.stderr, `  ${attempt.model}: ${attempt.outcome}${why ? ` — ${why}` : ""}`);
      }
      writeLine(io.stderr, `  (${failureHint(result.attempts)})`);
      return 1;
    }
    if (options.json) {
      writeJson(io, {
        text: result.text,
        model: result.model,
        session: key,
        attempts: result.attempts.map(({ model, outcome, ms }) => ({ model, outcome, ms })),
        usage: result.usage,
        cost: result.cost,
        ...(result.notice ? { notice: result.notice } : {}),
        ...(result.truncated ? { truncated: true } : {}),
      });
      return 0;
    }
    if (result.notice) writeLine(io.stderr, paint("dim", result.notice));
    writeLine(io.stdout, io.stdout.isTTY ? terminalSafe(result.text) : result.text);
    return 0;
  } finally {
    runtime.close();
  }
}
