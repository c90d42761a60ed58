import { stateDir } from "../../config/paths.js";
import { costOf } from "../../ai/usage.js";
import { isLocalUrl } from "../../models/is-local.js";
import { refNamer } from "../../models/provider-words.js";
import { USAGE_GROUPINGS, usageReport, type UsageGrouping, type UsageRow } from "../../ops/usage.js";
import { HearthError } from "../../shared/errors.js";
import { formatTable, writeJson, writeLine, type CliIo, type GlobalOptions } from "../io.js";
import { loadModelsInUse, sayRunningOnDefault } from "../load-models.js";
import { localTime as localMoment, parseLocalMoment } from "../../shared/local-time.js";

export interface UsageCommandOptions extends GlobalOptions {
  since?: string;
  by?: string;
}

/**
 * `--since`: a day (2026-11-01: from its local midnight), a local time (2026-11-01T08:00), a moment with
 * its zone (2026-11-01T08:00:00Z, …+08:00), or days back (7d). A time without a zone is this machine's.
 */
export function parseSince(text: string, now: Date): Date {
  const back = /^(\d+)d$/.exec(text.trim());
  if (back) return new Date(now.getTime() - Number(back[1]) * 86_400_000);
  const date = parseLocalMoment(text);
  if (!date) throw new HearthError("usage", `--since: "${text}" is not a date; write a day (2026-11-01), a local time (2026-11-01T08:00), a time with its zone (2026-11-01T08:00Z) or days back (7d)`);
  return date;
}

/** `hearth usage [--since DATE] [--by model|agent|day|channel] [--json]`: tokens, cost and local model time from the session files. */
export async function usageCommand(io: CliIo, options: UsageCommandOptions): Promise<number> {
  const by = (options.by ?? "model") as UsageGrouping;
  if (!USAGE_GROUPINGS.includes(by)) throw new HearthError("usage", `--by: "${options.by}" is not a grouping; use one of ${USAGE_GROUPINGS.join(", ")}`);
  const since = options.since === undefined ? undefined : parseSince(options.since, new Date());
  // With no config file, the built-in default the gateway and `agent` ran on prices and names the models (configInUse).
  const models = await loadModelsInUse(io, options);
  sayRunningOnDefault(io, models);
  const { resolved } = models;
  const report = await usageReport({
    stateDir: stateDir({ env: io.env, cwd: io.cwd }),
    since,
    by,
    isLocal: (ref, baseUrl) => resolved.catalog.models.get(ref as never)?.local ?? (baseUrl !== undefined && isLocalUrl(baseUrl)),
    priceOf: (ref, usage) => {
      const model = resolved.catalog.models.get(ref as never);
      return model ? costOf(usage, model.cost) : undefined;
    },
  });
  if (options.json) {
    writeJson(io, report);
    return 0;
  }
  for (const { session, reason } of report.unreadable) writeLine(io.stderr, `hearth: warning: ${session.startsWith("usage/") ? `proxy-mode usage (${session})` : `session ${session}`} left out: ${reason}`);
  if (report.total.calls === 0) {
    writeLine(io.stdout, since ? `No model replies since ${localMoment(since, "second")}.` : "No model replies recorded yet.");
    return 0;
  }
  // A model of a provider whose key is written with a variable, named as the config writes it (refName); the total row as it is.
  const named = refNamer(resolved.catalog);
  const keyCell = (row: UsageRow): string => (by === "model" && row !== report.total ? `${named(row.key)}${row.served.length > 0 ? ` (served as ${row.served.join(", ")})` : ""}` : row.key);
  const cells = (row: UsageRow): string[] => [keyCell(row), String(row.calls), row.summaries === 0 ? "-" : String(row.summaries), failedWords(row.failed), tokens(row.input), tokens(row.cacheRead), tokens(row.output), dollars(row.cost), localTime(row)];
  // A reply's input counts the prompt tokens the server read anew; those its cache held are apart (they add up to the prompt).
  // Of the calls: those that wrote a compaction's summary, and those that broke before their answer (by outcome).
  for (const line of formatTable([by, "calls", "summaries", "failed", "input (new)", "input (cached)", "output", "cost", "local time"], [...report.rows.map(cells), cells(report.total)])) writeLine(io.stdout, line);
  const fallback = report.hostedFallbacks;
  writeLine(io.stdout, fallback.calls === 0 ? "No fallbacks to hosted models." : `fallbacks to hosted models cost ${dollars(fallback.cost)} over ${fallback.turns} turn${fallback.turns === 1 ? "" : "s"}`);
  return 0;
}

/** The calls that broke before their answer, by outcome, the most first: "6 context-overflow, 1 timeout"; "-" for none. */
function failedWords(failed: Record<string, number>): string {
  const outcomes = Object.entries(failed).sort((left, right) => right[1] - left[1] || left[0].localeCompare(right[0]));
  return outcomes.length === 0 ? "-" : outcomes.map(([outcome, count]) => `${count} ${outcome}`).join(", ");
}

function tokens(count: number): string {
  return count >= 10_000_000 ? `${(count / 1_000_000).toFixed(1)}M` : count >= 10_000 ? `${(count / 1000).toFixed(1)}k` : String(count);
}

function dollars(amount: number): string {
  return amount === 0 ? "$0" : amount < 0.01 ? `$${amount.toFixed(4)}` : `$${amount.toFixed(2)}`;
}

/**
 * A row's local time, every number of it adding up: the total over its local calls (said when not all the
 * row's calls were local), and where some server measured its prompt speed, those calls' prefill +
 * generation and the other calls' time, not split — in one unit, rounded so that the parts make the total.
 */
function localTime(row: UsageRow): string {
  const { calls, totalMs, prefillMs, generationMs, timedCalls } = row.local;
  if (calls === 0) return "-";
  const [unit, per] = totalMs >= 60_000 ? (["min", 60_000] as const) : (["s", 1000] as const);
  const tenths = (ms: number): number => Math.round((ms / per) * 10);
  const shown = (count: number): string => `${(count / 10).toFixed(1)} ${unit}`;
  const total = tenths(totalMs);
  const over = calls === row.calls ? "" : ` in ${calls} local call${calls === 1 ? "" : "s"}`;
  if (timedCalls === 0) return `${shown(total)}${over}`;
  const prefill = tenths(prefillMs);
  const generation = Math.max(0, (timedCalls === calls ? total : tenths(prefillMs + generationMs)) - prefill);
  const split = `${shown(prefill)} prefill + ${shown(generation)} generation`;
  if (timedCalls === calls) return `${shown(total)}${over} (${split})`;
  const untimed = calls - timedCalls;
  return `${shown(total)}${over} (${timedCalls} measured: ${split}; ${untimed} not measured: ${shown(Math.max(0, total - prefill - generation))})`;
}
