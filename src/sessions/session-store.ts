import { randomUUID } from "node:crypto";
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, statSync, writeSync } from "node:fs";
import { join } from "node:path";
import { HearthError } from "../shared/errors.js";
import type { SessionEntry, SessionSummary } from "./entries.js";

const KEY = /^[A-Za-z0-9][A-Za-z0-9._:@+-]{0,127}$/;

export function newEntryId(): string {
  return randomUUID().slice(0, 8);
}

export function checkSessionKey(key: string): string {
  if (!KEY.test(key) || key.includes("..")) {
    throw new HearthError("usage", `"${key}" is not a valid session key: use letters, digits and . _ - : @ + (up to 128 characters)`);
  }
  return key;
}

/** Lines that could not be read, for the caller to mention. */
export interface ReadResult {
  entries: SessionEntry[];
  /** A last line cut short by a crash mid-write: ignored. */
  tornTail: boolean;
  /** Damaged lines elsewhere (line numbers): skipped. */
  damaged: number[];
}

/**
 * Sessions as append-only JSONL, one file per session under `<stateDir>/sessions/`. Every append is
 * one write of whole lines followed by fsync, so a crash leaves at worst a torn last line, which
 * reading tolerates.
 */
export class SessionStore {
  readonly dir: string;

  /** `secrets`: masks keys in what is stored (a server's error text may quote one); the composition root passes it. */
  constructor(
    stateDir: string,
    private readonly secrets?: { redactValue<T>(value: T): T },
  ) {
    this.dir = join(stateDir, "sessions");
  }

  path(key: string): string {
    return join(this.dir, `${checkSessionKey(key)}.jsonl`);
  }

  exists(key: string): boolean {
    try {
      return statSync(this.path(key)).isFile();
    } catch {
      return false;
    }
  }

  read(key: string): ReadResult {
    let text: string;
    try {
      text = readFileSync(this.path(key), "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return { entries: [], tornTail: false, damaged: [] };
      throw error;
    }
    const lines = text.split("\n");
    const entries: SessionEntry[] = [];
    const damaged: number[] = [];
    let tornTail = false;
    lines.forEach((line, index) => {
      if (line.trim() === "") return;
      try {
        entries.push(JSON.parse(line) as SessionEntry);
      } catch {
        if (index === lines.length - 1) tornTail = true;
        else damaged.push(index + 1);
      }
    });
    return { entries, tornTail, damaged };
  }

  /** Appends whole lines and flushes them to disk before returning. */
  append(key: string, entries: readonly SessionEntry[]): void {
    if (entries.length === 0) return;
    const file = this.path(key);
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const fresh = !this.exists(key);
    const fd = openSync(file, "a", 0o600);
    try {
      // A torn last line from a crash must not swallow the next entry: start on a fresh line.
      const prefix = !fresh && !endsWithNewline(file) ? "\n" : "";
      const secrets = this.secrets;
      const stored = secrets ? entries.map((entry) => secrets.redactValue(entry)) : entries;
      writeSync(fd, prefix + stored.map((entry) => JSON.stringify(entry)).join("\n") + "\n");
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }

  keys(): string[] {
    try {
      return readdirSync(this.dir)
        .filter((name) => name.endsWith(".jsonl"))
        .map((name) => name.slice(0, -".jsonl".length))
        .sort();
    } catch {
      return [];
    }
  }

  summaries(): SessionSummary[] {
    return this.keys().map((key) => summarize(key, this.read(key).entries, statSync(this.path(key)).mtime.toISOString()));
  }
}

function endsWithNewline(file: string): boolean {
  const size = statSync(file).size;
  if (size === 0) return true;
  const fd = openSync(file, "r");
  try {
    const buffer = Buffer.alloc(1);
    readSyncAt(fd, buffer, size - 1);
    return buffer[0] === 0x0a;
  } finally {
    closeSync(fd);
  }
}

function readSyncAt(fd: number, buffer: Buffer, position: number): void {
  readSync(fd, buffer, 0, 1, position);
}

export function summarize(key: string, entries: readonly SessionEntry[], updated: string): SessionSummary {
  let turns = 0;
  let lastText = "";
  let cost = 0;
  const usage = { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, reasoning: 0, estimated: false };
  for (const entry of entries) {
    if (entry.type === "user") {
      turns++;
      lastText = entry.text;
    } else if (entry.type === "assistant") {
      cost += entry.message.cost;
      usage.input += entry.message.usage.input;
      usage.output += entry.message.usage.output;
      usage.cacheRead += entry.message.usage.cacheRead;
      usage.cacheWrite += entry.message.usage.cacheWrite;
      usage.reasoning += entry.message.usage.reasoning;
      usage.estimated ||= entry.message.usage.estimated;
    }
  }
  return { key, updated, turns, lastText: lastText.length > 80 ? `${lastText.slice(0, 77)}...` : lastText, usage, cost };
}
