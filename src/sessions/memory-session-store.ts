import { HearthError } from "../shared/errors.js";
import type { SessionEntry } from "./entries.js";
import type { SessionLock } from "./session-lock.js";
import { checkSessionKey, newestFirst, summarize, type LockOptions, type ReadResult, type SessionPlace, type SessionListing, type SessionStore } from "./session-store.js";

interface Held {
  /** Resolves when the holder releases the session. */
  released: Promise<void>;
}

export interface MemorySessionStoreOptions {
  secrets?: { redactValue<T>(value: T): T } | undefined;
  /** How long `lock` waits for another holder; default 120 s. */
  lockWaitMs?: number | undefined;
}

/** Sessions kept in this process only (tests, and the contract's second implementation). Entries are stored as JSON would keep them. */
export class MemorySessionStore implements SessionStore {
  private readonly sessions = new Map<string, { entries: SessionEntry[]; updated: string }>();
  private readonly held = new Map<string, Held>();

  constructor(private readonly options: MemorySessionStoreOptions = {}) {}

  where(key: string): string {
    return `memory:${checkSessionKey(key)}`;
  }

  async exists(key: string): Promise<boolean> {
    return this.sessions.has(checkSessionKey(key));
  }

  async read(key: string): Promise<ReadResult> {
    const entries = this.sessions.get(checkSessionKey(key))?.entries ?? [];
    return { entries: entries.map(copy), tornTail: false, damaged: [] };
  }

  async append(key: string, entries: readonly SessionEntry[]): Promise<void> {
    checkSessionKey(key);
    if (entries.length === 0) return;
    const secrets = this.options.secrets;
    const session = this.sessions.get(key) ?? { entries: [], updated: "" };
    session.entries.push(...entries.map((entry) => copy(secrets ? secrets.redactValue(entry) : entry)));
    session.updated = new Date().toISOString();
    this.sessions.set(key, session);
  }

  async keys(): Promise<string[]> {
    return [...this.sessions.keys()].sort();
  }

  async list(): Promise<SessionListing> {
    const keys = await this.keys();
    return { sessions: newestFirst(keys.map((key) => summarize(key, this.sessions.get(key)?.entries ?? [], this.sessions.get(key)?.updated ?? ""))), problems: [] };
  }

  async lock(key: string, options: LockOptions = {}): Promise<SessionLock> {
    checkSessionKey(key);
    const deadline = Date.now() + (this.options.lockWaitMs ?? 120_000);
    let waited = false;
    for (let current = this.held.get(key); current; current = this.held.get(key)) {
      if (!waited) {
        waited = true;
        options.onWait?.();
      }
      const signal = options.signal;
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new HearthError("runtime", `session "${key}" is busy: another turn holds it; your message was not saved`, ["try again when that turn has finished, or use another session"]);
      const outcome = await waitFor(current.released, remaining, signal);
      if (outcome === "aborted") throw new HearthError("runtime", `cancelled while waiting for session "${key}"; your message was not saved`);
    }
    let release!: () => void;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    this.held.set(key, { released });
    let done = false;
    return {
      release: () => {
        if (!done) {
          done = true;
          this.held.delete(key);
          release();
        }
        return Promise.resolve();
      },
    };
  }

  async lockIfFree(key: string): Promise<SessionLock | undefined> {
    return this.held.has(checkSessionKey(key)) ? undefined : this.lock(key);
  }

  async locked(key: string): Promise<boolean> {
    return this.held.has(checkSessionKey(key));
  }

  /** One process holds every in-memory session, and its callers already wait in arrival order: the place is only the caller's. */
  async reserve(key: string): Promise<SessionPlace> {
    checkSessionKey(key);
    return { release: () => Promise.resolve() };
  }

  /** No other process can write an in-memory session: nothing is ever told. */
  watch(): () => void {
    return () => undefined;
  }

  /** No other process writes an in-memory session. */
  async writtenElsewhere(): Promise<boolean> {
    return false;
  }

  async delete(key: string): Promise<void> {
    this.sessions.delete(checkSessionKey(key));
  }

  async close(): Promise<void> {
    // Nothing to make durable.
  }
}

function copy(entry: SessionEntry): SessionEntry {
  return JSON.parse(JSON.stringify(entry)) as SessionEntry;
}

/** Until the holder lets go, the time is up, or the signal aborts; the timer and listener go either way. */
function waitFor(released: Promise<void>, ms: number, signal: AbortSignal | undefined): Promise<"released" | "aborted" | "timeout"> {
  return new Promise((resolve) => {
    const finish = (outcome: "released" | "aborted" | "timeout"): void => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      resolve(outcome);
    };
    const onAbort = (): void => finish("aborted");
    const timer = setTimeout(() => finish("timeout"), ms);
    if (signal?.aborted) return finish("aborted");
    signal?.addEventListener("abort", onAbort, { once: true });
    void released.then(() => finish("released"));
  });
}
