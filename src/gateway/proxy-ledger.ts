import { statSync, renameSync } from "node:fs";
import { join } from "node:path";
import type { Usage } from "../ai/types.js";
import type { AttemptRecord } from "../sessions/entries.js";
import { appendStateFile, ensureStateDirectory, readStateFile } from "../shared/state-file.js";

/** One proxy-mode request, as `hearth usage` counts it: answered, or failed with every call it made. */
export type ProxyLedgerEntry = ProxyAnswerEntry | ProxyFailureEntry;

/** One answered proxy-mode call, as `hearth usage` counts it: who answered, tokens, cost, the attempts. Never the text. */
export interface ProxyAnswerEntry {
  /** ISO time the answer ended. */
  at: string;
  /** The name the client sent (a ref or an alias). */
  requested: string;
  /** The model that answered. */
  model: string;
  usage: Usage;
  /** US dollars. */
  cost: number;
  attempts: AttemptRecord[];
}

/**
 * A proxy-mode request no model answered (or the client left before one did): the calls it made, each
 * with what its server counted before it broke, where it counted anything. Never the text or the error's words.
 */
export interface ProxyFailureEntry {
  /** ISO time the request ended. */
  at: string;
  requested: string;
  failed: true;
  attempts: AttemptRecord[];
}

export interface ProxyLedgerOptions {
  stateDir: string;
  /** Told once when the ledger cannot be written (the calls are answered anyway). */
  onWarning?: ((message: string) => void) | undefined;
  /** Masks secrets in each line (a replica URL may carry a key). */
  redact?: ((text: string) => string) | undefined;
  /** The file is set aside as `proxy.jsonl.1` (one kept) past this size; default 16 MiB. */
  maxBytes?: number | undefined;
  /** How long lines wait to be written together; default 1 s. */
  flushMs?: number | undefined;
}

/** `<state dir>/usage/proxy.jsonl`, and the one set aside before it. */
export function proxyLedgerFiles(stateDir: string): { current: string; previous: string } {
  const current = join(stateDir, "usage", "proxy.jsonl");
  return { current, previous: `${current}.1` };
}

/**
 * What proxy mode answered, for `hearth usage`: proxy mode writes no session, so without this a call
 * that fell back to a paid hosted model would cost money no report shows. Lines are written together
 * at most a second after the answer (never on its way to the client) and at close; the file stays
 * bounded (one older file kept). A line lost to a crash costs a usage figure, never an answer.
 */
export class ProxyLedger {
  private readonly files: { current: string; previous: string };
  /** Entries not written yet: each made a line (JSON, secrets masked) when written, off the answer's way. */
  private pending: ProxyLedgerEntry[] = [];
  private timer: NodeJS.Timeout | undefined;
  private warned = false;

  constructor(private readonly options: ProxyLedgerOptions) {
    this.files = proxyLedgerFiles(options.stateDir);
  }

  /** Keeps `entry` (handed over: the caller changes it no more) to be written with the others. */
  record(entry: ProxyLedgerEntry): void {
    this.pending.push(entry);
    if (this.timer) return;
    this.timer = setTimeout(() => this.flush(), this.options.flushMs ?? 1_000);
    this.timer.unref();
  }

  /** Writes what waits (at close, and a second after a line came). */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.length === 0) return;
    const redact = this.options.redact;
    const text = this.pending.map((entry) => {
      const line = `${JSON.stringify(entry)}\n`;
      return redact ? redact(line) : line;
    }).join("");
    this.pending = [];
    try {
      ensureStateDirectory({ path: join(this.options.stateDir, "usage"), doing: "keep proxy-mode usage in" });
      this.rotate();
      appendStateFile({ path: this.files.current, doing: "record proxy-mode usage in" }, text);
    } catch (error) {
      if (this.warned) return;
      this.warned = true;
      this.options.onWarning?.(`proxy-mode usage is not being recorded (hearth usage will not show it): ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  private rotate(): void {
    const size = statSync(this.files.current, { throwIfNoEntry: false })?.size ?? 0;
    if (size >= (this.options.maxBytes ?? 16 * 1024 * 1024)) renameSync(this.files.current, this.files.previous);
  }
}

/** Every entry of the ledger (the older file first); lines that are not entries are counted, not fatal. */
export function readProxyLedger(stateDir: string): { entries: ProxyLedgerEntry[]; unreadable: number } {
  const files = proxyLedgerFiles(stateDir);
  const entries: ProxyLedgerEntry[] = [];
  let unreadable = 0;
  for (const path of [files.previous, files.current]) {
    const text = readStateFile({ path, doing: "read proxy-mode usage from" });
    if (text === undefined) continue;
    for (const line of text.split("\n")) {
      if (line.trim() === "") continue;
      const entry = parseEntry(line);
      if (entry) entries.push(entry);
      else unreadable++;
    }
  }
  return { entries, unreadable };
}

function parseEntry(line: string): ProxyLedgerEntry | undefined {
  try {
    const value = JSON.parse(line) as Partial<ProxyAnswerEntry> & { failed?: unknown };
    if (value.failed === true) {
      if (typeof value.at !== "string" || typeof value.requested !== "string" || !Array.isArray(value.attempts)) return undefined;
      return { at: value.at, requested: value.requested, failed: true, attempts: attemptRecords(value.attempts) };
    }
    const usage = value.usage;
    if (typeof value.at !== "string" || typeof value.model !== "string" || typeof value.cost !== "number" || !Array.isArray(value.attempts)) return undefined;
    if (!usage || typeof usage.input !== "number" || typeof usage.output !== "number") return undefined;
    return {
      at: value.at,
      requested: typeof value.requested === "string" ? value.requested : value.model,
      model: value.model,
      usage: { input: usage.input, output: usage.output, cacheRead: Number(usage.cacheRead) || 0, cacheWrite: Number(usage.cacheWrite) || 0, reasoning: Number(usage.reasoning) || 0, estimated: usage.estimated === true, ...(typeof usage.promptPerSecond === "number" ? { promptPerSecond: usage.promptPerSecond } : {}) },
      cost: value.cost,
      attempts: attemptRecords(value.attempts),
    };
  } catch {
    return undefined;
  }
}

function attemptRecords(list: readonly unknown[]): AttemptRecord[] {
  return list.filter((attempt): attempt is AttemptRecord => {
    const record = attempt as Partial<AttemptRecord> | null;
    return typeof record?.model === "string" && typeof record.outcome === "string" && typeof record.ms === "number";
  });
}
