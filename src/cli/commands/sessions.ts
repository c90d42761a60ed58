import { stateDir } from "../../config/paths.js";
import type { SessionEntry } from "../../sessions/entries.js";
import { checkSessionKey, SessionStore } from "../../sessions/session-store.js";
import { HearthError } from "../../shared/errors.js";
import { commandLine, formatTable, writeJson, writeLine, type CliIo, type GlobalOptions } from "../io.js";

function storeFor(io: CliIo): SessionStore {
  return new SessionStore(stateDir({ env: io.env, cwd: io.cwd }));
}

function readOrFail(store: SessionStore, key: string): SessionEntry[] {
  checkSessionKey(key);
  if (!store.exists(key)) {
    const keys = store.keys();
    throw new HearthError("usage", `no session "${key}"${keys.length ? ` (sessions: ${keys.join(", ")})` : " (there are no sessions yet)"}`);
  }
  return store.read(key).entries;
}

export function sessionsList(io: CliIo, options: GlobalOptions): number {
  const summaries = storeFor(io).summaries();
  if (options.json) {
    writeJson(io, { sessions: summaries });
    return 0;
  }
  if (summaries.length === 0) {
    writeLine(io.stdout, `No sessions yet: \`${commandLine(io, "chat")}\` or \`${commandLine(io, "agent --message …")}\` starts one.`);
    return 0;
  }
  const rows = summaries.map((summary) => [summary.key, summary.updated.slice(0, 16).replace("T", " "), String(summary.turns), `$${summary.cost.toFixed(4)}`, summary.lastText]);
  for (const line of formatTable(["SESSION", "UPDATED", "TURNS", "COST", "LAST MESSAGE"], rows)) writeLine(io.stdout, line);
  return 0;
}

export function sessionsShow(io: CliIo, options: GlobalOptions, key: string): number {
  const entries = readOrFail(storeFor(io), key);
  if (options.json) {
    writeJson(io, { session: key, entries });
    return 0;
  }
  io.stdout.write(transcriptMarkdown(key, entries, false));
  return 0;
}

export function sessionsExport(io: CliIo, options: GlobalOptions & { format?: string }, key: string): number {
  const entries = readOrFail(storeFor(io), key);
  const format = options.format ?? "md";
  if (format === "json") writeJson(io, { session: key, entries });
  else if (format === "md") io.stdout.write(transcriptMarkdown(key, entries, true));
  else throw new HearthError("usage", `--format: "${format}" is not a format; use md or json`);
  return 0;
}

/** The whole transcript, compactions and failed turns included (nothing the user said is ever dropped). */
export function transcriptMarkdown(key: string, entries: readonly SessionEntry[], withReasoning: boolean): string {
  const out: string[] = [`# Session ${key}`, ""];
  for (const entry of entries) {
    switch (entry.type) {
      case "user":
        out.push(`## You · ${entry.at}`, "", entry.text, "");
        if (entry.quoted) out.push("> (quoted) " + entry.quoted.replace(/\n/g, "\n> "), "");
        break;
      case "assistant": {
        const text = entry.message.content.map((part) => (part.type === "text" ? part.text : "")).join("").trim();
        const reasoning = entry.message.content.map((part) => (part.type === "reasoning" ? part.text : "")).join("").trim();
        const calls = entry.message.content.flatMap((part) => (part.type === "tool-call" ? [`\`${part.name} ${part.rawArguments}\``] : []));
        out.push(`## ${entry.message.model} · ${entry.at}`, "");
        if (withReasoning && reasoning) out.push(`<details><summary>reasoning</summary>\n\n${reasoning}\n\n</details>`, "");
        if (text) out.push(text, "");
        if (calls.length) out.push(`Tools called: ${calls.join(", ")}`, "");
        break;
      }
      case "tool-result":
        out.push(`### ${entry.message.toolName} result${entry.message.isError ? " (error)" : ""}`, "", "```", entry.message.content.slice(0, 4000), "```", "");
        break;
      case "turn-failed":
        out.push(`_No answer: ${entry.error}_`, "");
        break;
      case "compaction":
        out.push(`_Earlier turns summarised by ${entry.model} (${entry.tokensBefore} tokens before):_`, "", `> ${entry.summary.replace(/\n/g, "\n> ")}`, "");
        break;
      case "reset":
        out.push("---", "_New conversation_", "");
        break;
      case "model-change":
        out.push(`_Model: ${entry.model ?? "back to the agent's"}_`, "");
        break;
      default:
        break;
    }
  }
  return `${out.join("\n")}\n`;
}
