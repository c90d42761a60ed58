import { stateDir } from "../../config/paths.js";
import { costOf } from "../../ai/usage.js";
import { isLocalUrl } from "../../models/is-local.js";
import { refNamer } from "../../models/provider-words.js";
import { USAGE_GROUPINGS, usageReport, type UsageGrouping, type UsageRow } from "../../ops/usage.js";
import { HearthError } from "../../shared/errors.js";
import { formatTable, writeJson, writeLine, type CliIo, type GlobalOptions } from "../io.js";
import { loadModels } from "../load-models.js";

export interface UsageCommandOptions extends GlobalOptions {
  since?: string;
  by?: string;
}

/** `--since`: a day (2026-11-01), a moment (2026-11-01T08:00:00Z), or days back (7d). */
export function parseSince(text: string, now: Date): Date {
  const back = /^(\d+)d$/.exec(text.trim());
  if (back) return new Date(now.getTime() - Number(back[1]) * 86_400_000);
  const date = /^\d{4}-\d{2}-\d{2}$/.test(text.trim()) ? new Date(`${text.trim()}T00:00:00Z`) : new Date(text);
  if (Number.isNaN(date.getTime())) throw new HearthError("usage", `--since: "${text}" is not a date; write a day (2026-11-01), a moment (2026-11-01T08:00:00Z) or days back (7d)`);
  return date;
}

/** `hearth usage [--since DATE] [--by model|agent|day|channel] [--json]`: tokens, cost and local model time from the session files. */
export async function usageCommand(io: CliIo, options: UsageCommandOptions): Promise<number> {
  const by = (options.by ?? "model") as UsageGrouping;
  if (!USAGE_GROUPINGS.includes(by)) throw new HearthError("usage", `--by: "${options.by}" is not a grouping; use one of ${USAGE_GROUPINGS.join(", ")}`);
  const since = options.since === undefined ? undefined : parseSince(options.since, new Date());
  const { resolved } = loadModels(io, options);
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
    writeLine(io.stdout, since ? `No model replies since ${report.since}.` : "No model replies recorded yet.");
    return 0;
  }
  // A model of a provider whose key is written with a variable, named as the config writes it (refName); the total row as it is.
  const named = refNamer(resolved.catalog);
  const cells = (row: UsageRow): string[] => [by === "model" && row !== report.total ? named(row.key) : row.key, String(row.calls), tokens(row.input), tokens(row.cacheRead), tokens(row.output), dollars(row.cost), localTime(row)];
  // A reply's input counts the prompt tokens the server read anew; those its cache held are apart (they add up to the prompt).
  for (const line of formatTable([by, "calls", "input (new)", "input (cached)", "output", "cost", "local time (prefill + generation)"], [...report.rows.map(cells), cells(report.total)])) writeLine(io.stdout, line);
  const fallback = report.hostedFallbacks;
  writeLine(io.stdout, fallback.calls === 0 ? "No fallbacks to hosted models." : `fallbacks to hosted models cost ${dollars(fallback.cost)} over ${fallback.turns} turn${fallback.turns === 1 ? "" : "s"}`);
  return 0;
}

function tokens(count: number): string {
  return count >= 10_000_000 ? `${(count / 1_000_000).toFixed(1)}M` : count >= 10_000 ? `${(count / 1000).toFixed(1)}k` : String(count);
}

function dollars(amount: number): string {
  return amount === 0 ? "$0" : amount < 0.01 ? `$${amount.toFixed(4)}` : `$${amount.toFixed(2)}`;
}

function seconds(ms: number): string {
  return ms >= 60_000 ? `${(ms / 60_000).toFixed(1)} min` : `${(ms / 1000).toFixed(1)} s`;
}

function localTime(row: UsageRow): string {
  if (row.local.calls === 0) return "-";
  const split = row.local.timedCalls > 0 ? ` (${seconds(row.local.prefillMs)} + ${seconds(row.local.generationMs)}${row.local.timedCalls < row.local.calls ? `, split known for ${row.local.timedCalls} of ${row.local.calls}` : ""})` : "";
  return `${seconds(row.local.totalMs)}${split}`;
}
