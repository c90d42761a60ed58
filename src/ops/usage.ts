import { spentCost, type SpentAttempt, type SpentPrice } from "../sessions/spent-cost.js";
import type { ModelRef } from "../ai/model-spec.js";
import { readProxyLedger, type ProxyLedgerEntry } from "../gateway/proxy-ledger.js";
import type { AttemptRecord, SessionEntry } from "../sessions/entries.js";
import { JsonlSessionStore } from "../sessions/jsonl-session-store.js";
import { channelOf } from "./session-channel.js";
import { localDay } from "../shared/local-time.js";
import { emptyUsage } from "../ai/usage.js";

export type UsageGrouping = "model" | "agent" | "day" | "channel";
export const USAGE_GROUPINGS: readonly UsageGrouping[] = ["model", "agent", "day", "channel"];

export interface UsageRow {
  /** The model ref, agent id, day (YYYY-MM-DD, this machine's local day, as `--since` reads one) or channel. */
  key: string;
  /**
   * Model calls: the replies (a turn with tool calls has several), every call that broke before its
   * answer (counted in `failed` too), and the calls that wrote a compaction's summary (counted in `summaries` too).
   */
  calls: number;
  /** Of `calls`, those that broke before their answer, by outcome (`context-overflow`, `timeout`…). */
  failed: Record<string, number>;
  /** Of `calls`, those made to write a compaction's summary (a summary that failed included): their tokens and cost are in the row's. */
  summaries: number;
  /** `--by model`: the models its servers said answered where that was not the configured id (a server restarted with another model), each once. */
  served: string[];
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
  /** US dollars. */
  cost: number;
  /**
   * Time local models spent on these calls, in milliseconds — each local call's, a broken one's too (until it
   * broke) —, and for the `timedCalls` of them whose server measured its prompt speed, split into reading the
   * prompt and writing; the rest of `totalMs` is the other calls', not split.
   */
  local: { calls: number; totalMs: number; prefillMs: number; generationMs: number; timedCalls: number };
}

export interface UsageReport {
  since: string | null;
  by: UsageGrouping;
  rows: UsageRow[];
  total: UsageRow;
  /** Replies from a hosted model because the models before it in the chain failed or were skipped. */
  hostedFallbacks: { cost: number; turns: number; calls: number };
  /** Sessions whose files could not be read (named, with the reason). */
  unreadable: { session: string; reason: string }[];
}

export interface UsageOptions {
  stateDir: string;
  since?: Date | undefined;
  by: UsageGrouping;
  /** Whether a model ref is served locally (the catalog knows configured models; a reply's replica URL decides otherwise). */
  isLocal: (ref: string, baseUrl: string | undefined) => boolean;
  /** What `usage` costs at the model's prices in the config (undefined: a model it no longer has): for broken calls recorded before their cost was kept. */
  priceOf?: SpentPrice | undefined;
}

export { channelOf } from "./session-channel.js";

const emptyRow = (key: string): UsageRow => ({ key, calls: 0, failed: {}, summaries: 0, served: [], input: 0, output: 0, cacheRead: 0, cacheWrite: 0, cost: 0, local: { calls: 0, totalMs: 0, prefillMs: 0, generationMs: 0, timedCalls: 0 } });

type AssistantEntry = Extract<SessionEntry, { type: "assistant" }>;

/** What a reply counts with: a session's assistant entry, or a proxy-mode answer from the ledger. */
type CountedReply = { message: Pick<AssistantEntry["message"], "usage" | "cost" | "model" | "served">; attempts: readonly AttemptRecord[]; kept?: boolean };

function add(row: UsageRow, entry: CountedReply, local: boolean): void {
  const { usage, cost } = entry.message;
  row.calls += 1;
  row.input += usage.input;
  row.output += usage.output;
  row.cacheRead += usage.cacheRead;
  row.cacheWrite += usage.cacheWrite;
  row.cost += cost;
  if (!local) return;
  row.local.calls += 1;
  const answered = entry.attempts.findLast((attempt) => attempt.outcome === "ok" && attempt.model === entry.message.model);
  if (!answered) return;
  row.local.totalMs += answered.ms;
  const speed = usage.promptPerSecond;
  if (speed !== undefined && speed > 0) {
    // The prompt tokens the server evaluated (cached ones cost no prefill) at its measured speed; the rest is writing.
    const prefill = Math.min(answered.ms, (usage.input / speed) * 1000);
    row.local.prefillMs += prefill;
    row.local.generationMs += answered.ms - prefill;
    row.local.timedCalls += 1;
  }
}

/**
 * A call counted from its attempt record — one that broke before its answer (its `outcome`), or a
 * summary call: its tokens where its server counted them, priced as any call of its model is (spentCost);
 * a local one's time too, as a call not split.
 */
function addCall(row: UsageRow, attempt: SpentAttempt & { ms: number; outcome: string }, spent: { cost: number; local: boolean; summary: boolean }): void {
  row.calls += 1;
  if (attempt.outcome !== "ok") row.failed[attempt.outcome] = (row.failed[attempt.outcome] ?? 0) + 1;
  if (spent.summary) row.summaries += 1;
  row.input += attempt.usage.input;
  row.output += attempt.usage.output;
  row.cacheRead += attempt.usage.cacheRead;
  row.cacheWrite += attempt.usage.cacheWrite;
  row.cost += spent.cost;
  if (!spent.local) return;
  row.local.calls += 1;
  row.local.totalMs += attempt.ms;
}

/** Tokens, cost and local model time from every session file, grouped; and what hosted fallbacks cost. */
export async function usageReport(options: UsageOptions): Promise<UsageReport> {
  const store = new JsonlSessionStore(options.stateDir);
  let sessions: string[];
  try {
    sessions = await store.keys();
  } catch {
    sessions = [];
  }
  const rows = new Map<string, UsageRow>();
  const total = emptyRow("total");
  const fallbacks = { cost: 0, turns: 0, calls: 0 };
  const unreadable: UsageReport["unreadable"] = [];
  const since = options.since?.getTime();
  /**
   * Calls kept as attempt records, each a call of its own model: those of a turn that broke before an
   * answer (what they spent is on the attempt; a reply's usage does not count it; one that broke before
   * its server counted anything is a call all the same), or (`summary`) every call a compaction made
   * for its summary, the answering one with its tokens and cost. A candidate left out (`skipped-…`) was no call.
   */
  const countCalls = (attempts: readonly AttemptRecord[], key: string, summary = false): void => {
    for (const attempt of attempts) {
      if ((attempt.outcome === "ok" && !summary) || attempt.outcome.startsWith("skipped-")) continue;
      const spentKey = options.by === "model" ? attempt.model : key;
      const spentRow = rows.get(spentKey) ?? emptyRow(spentKey);
      rows.set(spentKey, spentRow);
      const call = { ...attempt, usage: attempt.usage ?? emptyUsage() };
      const cost = attempt.usage === undefined ? (attempt.cost ?? 0) : spentCost(call, options.priceOf);
      // Local as a reply is: its model local, and nothing paid for it.
      const spent = { cost, local: options.isLocal(attempt.model, attempt.baseUrl) && !(cost > 0), summary };
      addCall(spentRow, call, spent);
      addCall(total, call, spent);
    }
  };
  /** Adds a reply to its row and the total; true when a hosted model answered it as a fallback (counted in `fallbacks`, but for its turn). */
  const count = (reply: CountedReply, where: { at: string; agent: string; channel: string }): boolean => {
    const answered = reply.attempts.findLast((attempt) => attempt.outcome === "ok");
    // A priced reply is a paid service's, wherever its server is (a proxy on this machine): never local, so never "free".
    const local = options.isLocal(reply.message.model, answered?.baseUrl) && !(reply.message.cost > 0);
    const key = options.by === "model" ? reply.message.model : options.by === "agent" ? where.agent : options.by === "day" ? (Number.isNaN(Date.parse(where.at)) ? where.at.slice(0, 10) : localDay(where.at)) : where.channel;
    const row = rows.get(key) ?? emptyRow(key);
    rows.set(key, row);
    add(row, reply, local);
    add(total, reply, local);
    const served = reply.message.served;
    if (options.by === "model" && served !== undefined && !row.served.includes(served)) row.served.push(served);
    // A kept answer (cut off, stopped) is the words of a call that did not finish: counted as the reply, not again as a broken call.
    const own = reply.kept ? reply.attempts.findLast((attempt) => attempt.outcome !== "ok" && attempt.model === reply.message.model) : undefined;
    countCalls(own ? reply.attempts.filter((attempt) => attempt !== own) : reply.attempts, key);
    const first = reply.attempts[0];
    if (local || !first || first.model === reply.message.model) return false;
    fallbacks.cost += reply.message.cost;
    fallbacks.calls += 1;
    return true;
  };
  for (const session of sessions.sort()) {
    let entries: SessionEntry[];
    try {
      entries = (await store.read(session)).entries;
    } catch (error) {
      unreadable.push({ session, reason: error instanceof Error ? error.message : String(error) });
      continue;
    }
    let agent = "main";
    let turn: string | undefined;
    // Each turn's channel as its message recorded it; files from before that, by the session's key.
    let channel: string = channelOf(session);
    const fallbackTurns = new Set<string>();
    for (const entry of entries) {
      if (entry.type === "session") agent = entry.agent;
      if (entry.type === "user") {
        turn = entry.id;
        channel = entry.channel ?? channelOf(session);
      }
      if (entry.type === "turn-failed" && (since === undefined || Date.parse(entry.at) >= since)) {
        // A turn no model answered: its broken calls spent all the same.
        countCalls(entry.attempts, options.by === "agent" ? agent : options.by === "day" ? entry.at.slice(0, 10) : channel);
      }
      if ((entry.type === "compaction" || entry.type === "trim") && entry.calls && (since === undefined || Date.parse(entry.at) >= since)) {
        // The summary calls of a compaction (or of one that ended in a trim): counted with what they used and cost.
        countCalls(entry.calls, options.by === "agent" ? agent : options.by === "day" ? (Number.isNaN(Date.parse(entry.at)) ? entry.at.slice(0, 10) : localDay(entry.at)) : channel, true);
      }
      if (entry.type !== "assistant") continue;
      if (since !== undefined && Date.parse(entry.at) < since) continue;
      const kept = entry.message.stopReason === "error" || entry.message.stopReason === "aborted";
      // A stop between a turn's steps marks its answer with no words of its own: its calls are broken ones, no reply.
      if (kept && entry.message.content.length === 0) countCalls(entry.attempts, options.by === "agent" ? agent : options.by === "day" ? (Number.isNaN(Date.parse(entry.at)) ? entry.at.slice(0, 10) : localDay(entry.at)) : channel);
      else if (count({ ...entry, kept }, { at: entry.at, agent, channel })) fallbackTurns.add(turn ?? entry.id);
    }
    fallbacks.turns += fallbackTurns.size;
  }
  // Proxy mode writes no session: its answers are in their own ledger (channel "proxy", agent "(proxy)").
  for (const entry of proxyEntries(options.stateDir, unreadable)) {
    if (since !== undefined && Date.parse(entry.at) < since) continue;
    const key = options.by === "agent" ? "(proxy)" : options.by === "day" ? (Number.isNaN(Date.parse(entry.at)) ? entry.at.slice(0, 10) : localDay(entry.at)) : "proxy";
    // A request no model answered: its calls spent all the same, as a turn's that failed.
    if ("failed" in entry) {
      countCalls(entry.attempts, key);
      continue;
    }
    const reply: CountedReply = { message: { usage: entry.usage, cost: entry.cost, model: entry.model as ModelRef }, attempts: entry.attempts };
    if (count(reply, { at: entry.at, agent: "(proxy)", channel: "proxy" })) fallbacks.turns += 1;
  }
  const sorted = [...rows.values()].sort((left, right) => (options.by === "day" ? left.key.localeCompare(right.key) : right.cost - left.cost || right.input + right.output - (left.input + left.output)));
  return { since: options.since?.toISOString() ?? null, by: options.by, rows: sorted, total, hostedFallbacks: fallbacks, unreadable };
}

/** The proxy ledger's entries; a ledger that cannot be read is named among the unreadable, as a session would be. */
function proxyEntries(stateDir: string, unreadable: UsageReport["unreadable"]): ProxyLedgerEntry[] {
  try {
    const { entries, unreadable: badLines } = readProxyLedger(stateDir);
    if (badLines > 0) unreadable.push({ session: "usage/proxy.jsonl", reason: `${badLines} line${badLines === 1 ? "" : "s"} that are not usage entries (left out)` });
    return entries;
  } catch (error) {
    unreadable.push({ session: "usage/proxy.jsonl", reason: error instanceof Error ? error.message : String(error) });
    return [];
  }
}
