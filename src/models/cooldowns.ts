import { createHmac, randomBytes } from "node:crypto";
import { modelSecrets } from "../ai/model-secrets.js";
import type { Failure, FailureKind } from "../ai/types.js";
import type { Clock } from "../shared/clock.js";
import type { ModelSpec } from "../ai/model-spec.js";
import { keyAdvice, keyWhereOf } from "./key-advice.js";
import { providerPath } from "./provider-words.js";
import { serverKey } from "./silent-servers.js";

/** Failures that say the model cannot answer right now (not: your request is wrong, or too long). */
export const COOLING_KINDS: ReadonlySet<FailureKind> = new Set(["unreachable", "timeout", "auth", "rate-limit", "overloaded", "server-error", "model-not-found", "no-endpoint", "stream-broken"]);

/**
 * Failures worth remembering from one process to the next: a hang costs the whole first-token wait,
 * and a rate limit is the server asking for time. Anything else (refused, DNS, an error answer) is
 * found again in milliseconds, so a later command simply asks again and gets the server when it is back.
 */
const PERSISTED_KINDS: ReadonlySet<FailureKind> = new Set(["timeout", "rate-limit"]);

/** Whether a one-shot command keeps (and skips for) a failure of this kind between processes: hangs and rate limits. */
export function keptBetweenCommands(kind: FailureKind): boolean {
  return PERSISTED_KINDS.has(kind);
}

export interface CooldownSettings {
  /** The first backoff; each further failure in a row doubles it. */
  baseMs: number;
  /** The first backoff after a timeout: a server that hangs rarely recovers within seconds, and each try costs the whole wait. */
  timeoutBaseMs: number;
  maxMs: number;
}

export const DEFAULT_COOLDOWN: CooldownSettings = { baseMs: 15_000, timeoutBaseMs: 120_000, maxMs: 10 * 60_000 };

export interface CooldownEntry {
  failures: number;
  until: number;
  kind: FailureKind;
  /** Which timeout fired, for kind "timeout" (absent in files of older hearths). */
  phase?: Failure["phase"];
  /** The wait the server asked for (Retry-After), where it asked for one. */
  retryAfterMs?: number;
  /**
   * The server refused the key itself (an "auth" failure with `keyRefused`): every model called with that
   * key there cools with it; the words say which key to fix (never the key). `keyHash`: the fingerprint of the
   * credentials refused (16 hex digits of an HMAC-SHA-256 keyed with the state dir's secret, CooldownPersistence.fingerprintKey; empty: none were sent), so that a process started later
   * keeps the cooldown while the config gives the same key and ends it when it gives another (absent in older files).
   * `fix`: where the refused key is set, in the refusing process's words (keyAdvice: gateway.env, the environment,
   * the config): another command may have its key from elsewhere (absent in older files).
   */
  keyRefused?: { why: string; keyHash?: string | undefined; at?: number | undefined; fix?: string | undefined };
}

/**
 * The longest wait hearth sets for an entry like this one (its failures in a row, its kind, the
 * Retry-After it got): a cooldown ending later than that from now was written by a clock that ran
 * ahead (another process, a machine whose time jumped) and is cut to it.
 */
export function longestWait(entry: Pick<CooldownEntry, "failures" | "kind" | "retryAfterMs">, settings: CooldownSettings = DEFAULT_COOLDOWN): number {
  const base = entry.kind === "timeout" ? settings.timeoutBaseMs : settings.baseMs;
  const backoff = Math.min(settings.maxMs, base * 2 ** Math.min(entry.failures - 1, 30));
  return Math.max(backoff, entry.retryAfterMs ?? 0);
}

/** The entry with its end no later than `longestWait` from `now` (see there). */
export function withinReach(entry: CooldownEntry, now: number, settings: CooldownSettings = DEFAULT_COOLDOWN): CooldownEntry {
  const latest = now + longestWait(entry, settings);
  return entry.until > latest ? { ...entry, until: latest } : entry;
}

/**
 * Whether a server answering a quick look (its model listing) ends this cooldown: only where the
 * server was absent (refused, DNS, no connection in time, dropped before answering). A server that
 * took the request and stalled (first-byte, idle or total timeout; or a timeout of unknown phase
 * from an older file) answers its listing while still hung: only a real answer or the expiry ends it.
 */
export function endedByLook(entry: Pick<CooldownEntry, "kind" | "phase">): boolean {
  if (entry.kind === "unreachable" || entry.kind === "stream-broken") return true;
  return entry.kind === "timeout" && entry.phase === "connect";
}

/**
 * Whether the failure is a fact about the server (its base URL), not the model: nothing took the
 * connection (refused, DNS, no route, no connection in time). A model's own failure (a 404 for its
 * name, an overflow, a hang after the connection) is not.
 */
export function serverWide(failure: Pick<CooldownEntry, "kind" | "phase">): boolean {
  return failure.kind === "unreachable" || (failure.kind === "timeout" && failure.phase === "connect");
}

/**
 * A model, the servers it is called on (its replicas) and the credentials it is called with, as far as
 * cooldowns need to know it (a ModelSpec is one): its key, its headers, its URL (a user and password in
 * it). The credentials are kept only as a fingerprint.
 */
export interface ServedOn {
  ref: string;
  replicas: readonly string[];
  provider?: string | undefined;
  providerWritten?: string | undefined;
  apiKey?: string | undefined;
  apiKeyEnv?: string | undefined;
  headers?: Readonly<Record<string, string>> | undefined;
  baseUrl?: string | undefined;
  /** Where its key comes from (ModelSpec.apiKeySource): the fix of a refused key names it. */
  apiKeySource?: ModelSpec["apiKeySource"];
  /**
   * false: a model of the built-in catalog that the config never names (no chain, alias or models entry of its):
   * a key refused for another model does not cool it (its provider's 23 catalog models are no 23 cooldowns); absent: named.
   */
  configured?: boolean | undefined;
}

/** Who shares a model's credentials: its provider, its servers, their fingerprint (empty: none sent), and where the config sets the key (in the user's words). */
interface Credential {
  provider: string | undefined;
  servers: ReadonlySet<string>;
  key: string;
  /** What to fix, in the user's words: where the key sent comes from (keyAdvice), or the header or URL that carries the credentials. */
  fix: string;
  configured: boolean;
}

/**
 * A fingerprint of everything secret a call to the model sends (modelSecrets: its key, its secret header
 * values, a URL's user and password), empty when it sends none: two providers in front of one server
 * that send another token in a header, or another user in the URL, are not refused together. Keyed with
 * `key` (an HMAC): the fingerprint kept in the cooldowns file cannot be tried against guesses without it.
 */
/** The fingerprint of the credentials `model` is called with (`keyHash`): 16 hex digits of an HMAC keyed with `key`; empty: none. */
export function fingerprint(model: ServedOn, key: Buffer): string {
  const secrets = [...new Set(modelSecrets({ apiKey: model.apiKey, headers: model.headers ?? {}, baseUrl: model.baseUrl ?? model.replicas[0] ?? "", replicas: model.replicas }))].sort();
  return secrets.length === 0 ? "" : createHmac("sha256", key).update(secrets.join("\0")).digest("hex").slice(0, 16);
}

/**
 * What to fix when the server refuses what a model is called with, in the user's words: its key, named by where
 * it actually comes from (keyAdvice: gateway.env, the environment, the config); where it has none, the header
 * or URL that carries its credentials.
 */
function credentialFix(model: ServedOn): string {
  if (model.provider === undefined) return "fix its apiKey";
  const named = { ...model, provider: model.provider };
  const key = keyAdvice(keyWhereOf(named));
  if (model.apiKey !== undefined || model.apiKeyEnv !== undefined) return key;
  const inHeaders = modelSecrets({ apiKey: undefined, headers: model.headers ?? {}, baseUrl: "", replicas: [] }).length > 0;
  if (inHeaders) return `the credentials are sent in ${providerPath(named, "headers")}: fix them there`;
  const inUrl = modelSecrets({ apiKey: undefined, headers: {}, baseUrl: model.baseUrl ?? "", replicas: model.replicas }).length > 0;
  return inUrl ? `the credentials are in ${providerPath(named, "baseUrl")}: fix them there` : key;
}

/** Where cooldowns outlive a process (the CLI runs one turn per process). */
export interface CooldownPersistence {
  load(): Record<string, CooldownEntry>;
  /**
   * This process's entries, and the refs it just ended; entries other processes saved meanwhile are
   * kept (merged on write).
   */
  save(entries: Record<string, CooldownEntry>, removed?: readonly string[]): void;
  /** The secret the credentials' fingerprints (`keyHash`) are keyed with, shared by the processes of one state dir (fingerprintKeyBeside); undefined: none could be had. */
  fingerprintKey?(): Buffer | undefined;
  /**
   * "every": this process writes every cooldown it starts and takes every one the file holds (a
   * gateway, so that the file says what it does; `models status`, which shows it). Absent or
   * "costly": only hangs and rate limits (a one-shot command: anything else is found again in milliseconds).
   */
  shares?: "every" | "costly";
  /** The file's size and time (undefined: none), to tell whether another process wrote it since (`takeShared`). */
  look?(): { size: number; mtimeMs: number } | undefined;
}

/**
 * Per model (not per provider): after a failure, skip that model for a backoff that grows with
 * failures in a row and honours Retry-After; a success, or a probe that finds the server back, ends
 * it. A server that cannot be reached (`serverWide`) is that for every model on it: the failure cools
 * every model served only there (as `knowServers` told), and an answer from it ends theirs. A one-shot command keeps only failures that cost time between processes; a gateway (`shares:
 * "every"`) writes every cooldown it starts or ends, so the commands beside it can say what it does.
 */
export class Cooldowns {
  private readonly entries = new Map<string, CooldownEntry>();
  /** Each model's servers (their keys), as the config serving has them: empty until `knowServers`. */
  private readonly servers = new Map<string, ReadonlySet<string>>();
  /** Each model's key, as the config serving has it (a fingerprint): who a refused key cools, and whether a reload changed it. */
  private readonly credentials = new Map<string, Credential>();
  /** What the credentials' fingerprints are keyed with: the state dir's (so that a later process tells the same key), else this process's own. */
  private readonly fingerprintKey: Buffer;
  /** The shared file as `takeShared` last read it. */
  private sharedLook: { size: number; mtimeMs: number } | undefined;
  /** A shared cooldown was left for a call under way (`calling`): the file is read again at the next look, changed or not. */
  private readAgain = false;
  /** Per model: when this process last had an answer from it (`succeed`). A shared cooldown that began before is not taken. */
  private readonly answeredAt = new Map<string, number>();
  /** Per model: this process's calls to it under way (`calling`). */
  private readonly inFlight = new Map<string, number>();
  /** The cooldowns taken from the file (`takeShared`), by ref, with their end there: ended here once the file no longer holds them. */
  private readonly taken = new Map<string, number>();
  /** The models whose cooldown this process started or changed itself (`fail`): the only entries it writes (`save`). */
  private readonly started = new Set<string>();

  constructor(
    private readonly clock: Clock,
    private readonly settings: CooldownSettings = DEFAULT_COOLDOWN,
    private readonly persistence?: CooldownPersistence,
  ) {
    this.fingerprintKey = persistence?.fingerprintKey?.() ?? randomBytes(32);
    const now = clock.now();
    for (const [ref, loaded] of Object.entries(persistence?.load() ?? {})) {
      // Cheap failures (a gateway's, or an older hearth's) are asked again by a one-shot command, not skipped.
      if (!this.kept(loaded.kind)) continue;
      const entry = withinReach(loaded, now, settings);
      // Failures in a row keep counting across processes; an expired cooldown still remembers them for a while.
      // A refused key is remembered until the key changes (knowServers ends it then) or an answer comes.
      if (entry.until <= now - this.settings.maxMs && entry.keyRefused === undefined) continue;
      this.entries.set(ref, entry);
      // Loaded, as taken: another process's end of it in the file ends it here too (`takeShared`).
      this.taken.set(ref, loaded.until);
    }
  }

  /**
   * The cooldowns the other processes of the state dir started since (`hearth agent` found a model hung, or
   * rate-limited): taken where they end later than this process's own, as at the start — so that a gateway skips
   * the model the command beside it just found failing, and its provider panel says so. What this process saw
   * itself comes first: a cooldown that began before its own last answer from the model is not taken (its answer is
   * newer news); none is taken while its own call to the model is under way (a command's call that waited behind it
   * on a one-slot server and hung is no news of the model: the call's end says, an answer or its own cooldown); and
   * one taken is ended here once the file no longer holds it (the command's answer, or another process's, ended it).
   * Read only when the file changed since the last look (`CooldownPersistence.look`); nothing is written.
   */
  takeShared(): void {
    if (this.persistence?.look === undefined) return;
    const look = this.persistence.look();
    const now = this.clock.now();
    // A file written within a stamp's step (FAT's 2 s) may be written again with the same size and stamp: read until it is older.
    const settled = look === undefined || now - look.mtimeMs > 2_100;
    if (!this.readAgain && settled && look?.size === this.sharedLook?.size && look?.mtimeMs === this.sharedLook?.mtimeMs) return;
    this.sharedLook = look;
    this.readAgain = false;
    const onFile = look === undefined ? {} : this.persistence.load();
    for (const ref of [...this.taken.keys()]) {
      if (onFile[ref] !== undefined) continue;
      this.taken.delete(ref);
      this.entries.delete(ref);
    }
    for (const [ref, loaded] of Object.entries(onFile)) {
      if (!this.kept(loaded.kind) || this.taken.get(ref) === loaded.until) continue;
      const began = loaded.until - longestWait(loaded, this.settings);
      if (began <= (this.answeredAt.get(ref) ?? Number.NEGATIVE_INFINITY)) continue;
      if ((this.inFlight.get(ref) ?? 0) > 0) {
        this.readAgain = true;
        continue;
      }
      const entry = withinReach(loaded, now, this.settings);
      const own = this.entries.get(ref);
      if (entry.until <= now || (own !== undefined && own.until >= entry.until)) continue;
      this.entries.set(ref, entry);
      this.taken.set(ref, loaded.until);
      this.started.delete(ref);
    }
  }

  /**
   * A call of this process to the model begins: until the function returned is called (when the call ended, however),
   * `takeShared` takes no cooldown of the model from the file.
   */
  calling(ref: string): () => void {
    this.inFlight.set(ref, (this.inFlight.get(ref) ?? 0) + 1);
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      const left = (this.inFlight.get(ref) ?? 1) - 1;
      if (left > 0) this.inFlight.set(ref, left);
      else this.inFlight.delete(ref);
    };
  }

  /** The models of the config serving and their servers (at the start and after each reload): whose cooldowns a server's failure starts. */
  knowServers(models: Iterable<ServedOn>): void {
    const before = new Map(this.credentials);
    this.servers.clear();
    this.credentials.clear();
    for (const model of models) {
      const servers = new Set(model.replicas.map(serverKey));
      this.servers.set(model.ref, servers);
      this.credentials.set(model.ref, { provider: model.provider, servers, key: fingerprint(model, this.fingerprintKey), fix: credentialFix(model), configured: model.configured !== false });
    }
    // A refused key that the config no longer gives the model (a reload, or a restart, with a new key): its cooldown ends.
    // The key refused is the one its entry names (a cooldown this process took from the file), else the one known before.
    const removed: string[] = [];
    for (const [ref, entry] of this.entries) {
      if (entry.keyRefused === undefined || (entry.keyRefused.keyHash ?? before.get(ref)?.key) === this.credentials.get(ref)?.key) continue;
      this.entries.delete(ref);
      this.forget(ref);
      removed.push(ref);
    }
    if (removed.length > 0) this.save(removed);
  }

  /** A failure of the model's call: a server that could not be reached cools every model served only there (`serverWide`). */
  fail(ref: string, failure: Failure): void {
    if (!COOLING_KINDS.has(failure.kind)) return;
    this.forgetOld();
    const phase = failure.kind === "timeout" && failure.phase !== undefined ? { phase: failure.phase } : {};
    const asked = failure.retryAfterMs !== undefined ? { retryAfterMs: Math.round(failure.retryAfterMs) } : {};
    const refs = serverWide(failure) ? this.servedWithin(ref) : failure.keyRefused === true ? this.sharingKey(ref) : [ref];
    const why = failure.keyRefused === true ? this.keyWords(ref) : undefined;
    for (const each of refs) {
      const failures = (this.entries.get(each)?.failures ?? 0) + 1;
      const keyHash = this.credentials.get(each)?.key;
      const fix = this.credentials.get(each)?.fix;
      const refused = why !== undefined ? { keyRefused: { why, ...(keyHash !== undefined ? { keyHash } : {}), at: this.clock.now(), ...(fix !== undefined ? { fix } : {}) } } : {};
      const entry: CooldownEntry = { failures, until: 0, kind: failure.kind, ...phase, ...asked, ...refused };
      this.entries.set(each, { ...entry, until: this.clock.now() + longestWait(entry, this.settings) });
      this.started.add(each);
      this.taken.delete(each);
    }
    this.save();
  }

  /** The model answered: its cooldown ends, and so does that of every model its server could not be reached for (`serverWide`) that is served there too. */
  succeed(ref: string): void {
    this.answeredAt.set(ref, this.clock.now());
    const removed = this.entries.has(ref) ? [ref] : [];
    this.entries.delete(ref);
    for (const other of this.servedAlsoOn(ref)) {
      const entry = this.entries.get(other);
      if (other === ref || entry === undefined || !serverWide(entry)) continue;
      this.entries.delete(other);
      removed.push(other);
    }
    // The key was taken: every model it was refused for with it is asked again.
    for (const other of this.sharingKey(ref)) {
      if (other === ref || this.entries.get(other)?.keyRefused === undefined) continue;
      this.entries.delete(other);
      removed.push(other);
    }
    // Ended in the file too, whoever wrote it there.
    for (const each of removed) this.forget(each);
    if (removed.length > 0) this.save(removed);
  }

  /**
   * The model and every other one the config names that is called with the same key: of the same provider, or
   * on the same servers with the same key (two providers in front of one server) — never a catalog model the
   * config does not name (`configured` false), which cools only once it is called itself. A model the config
   * serving does not have: itself alone. An answer from any of them ends the cooldown of every one whose key
   * was refused (`succeed`).
   */
  sharingKey(ref: string): string[] {
    const own = this.credentials.get(ref);
    if (own === undefined) return [ref];
    const sameServers = (theirs: Credential): boolean => theirs.servers.size > 0 && theirs.servers.size === own.servers.size && [...theirs.servers].every((server) => own.servers.has(server));
    const others = [...this.credentials].filter(([other, theirs]) => other !== ref && theirs.configured && ((own.provider !== undefined && theirs.provider === own.provider) || (theirs.key === own.key && sameServers(theirs))));
    return [ref, ...others.map(([other]) => other)];
  }

  /**
   * Which key to fix, in the user's words: where the config sets the key of `ref` (its variable, its apiKey);
   * a model called with no credentials at all (a local server that turned on its API key) was refused none.
   */
  private keyWords(ref: string): string {
    const credential = this.credentials.get(ref);
    const fix = credential?.fix ?? "fix its apiKey";
    if (credential?.key === "") return `the server asked for an API key and ${ref} was called with none: ${fix.replace(/^no key is set: /, "")}; a reload with a key, or an answer, ends this`;
    return `the server refused the API key ${ref} was called with: ${fix}; a reload with a new key, or an answer, ends this`;
  }

  /** The model and every other one whose servers are all among its servers (the ones its failure found unreachable). */
  private servedWithin(ref: string): string[] {
    const servers = this.servers.get(ref);
    if (servers === undefined || servers.size === 0) return [ref];
    const others = [...this.servers].filter(([other, theirs]) => other !== ref && theirs.size > 0 && [...theirs].every((server) => servers.has(server)));
    return [ref, ...others.map(([other]) => other)];
  }

  /** Every other model served on all the servers of this one (one of them answered: each of those models has a server that answers). */
  private servedAlsoOn(ref: string): string[] {
    const servers = this.servers.get(ref);
    if (servers === undefined || servers.size === 0) return [];
    return [...this.servers].filter(([other, theirs]) => other !== ref && [...servers].every((server) => theirs.has(server))).map(([other]) => other);
  }

  /**
   * Its server answered a probe: ends the cooldown of every model whose ref starts with `provider/`
   * and that cooled down because the server was absent (`endedByLook`); one that hung keeps cooling.
   */
  clearProvider(provider: string): void {
    const removed: string[] = [];
    for (const [ref, entry] of [...this.entries]) {
      if (!ref.startsWith(`${provider}/`) || !endedByLook(entry)) continue;
      this.entries.delete(ref);
      this.forget(ref);
      removed.push(ref);
    }
    if (removed.length > 0) this.save(removed);
  }

  /** Models with a cooldown remembered (cooling, or over but still counting failures in a row). */
  get size(): number {
    this.forgetOld();
    return this.entries.size;
  }

  /**
   * Failures in a row stop counting once the cooldown has been over for the longest backoff: a
   * model that failed twice last week starts again from the first backoff, and the map stays small.
   */
  private forgetOld(): void {
    const oldest = this.clock.now() - this.settings.maxMs;
    // A refused key is remembered until the key changes or a model called with it answers (`refusedKey`): waiting does not fix it.
    for (const [ref, entry] of this.entries) {
      if (entry.until > oldest || entry.keyRefused !== undefined) continue;
      this.entries.delete(ref);
      this.forget(ref);
    }
  }

  /** The model's cooldown ended here: neither started nor taken by this process any more. */
  private forget(ref: string): void {
    this.started.delete(ref);
    this.taken.delete(ref);
  }

  /**
   * Writes the cooldowns this process started or changed itself, and the ends it made: never one it only loaded
   * or took from the file (another process may have ended it there since: written back, it would come back to life).
   */
  private save(removed: readonly string[] = []): void {
    if (!this.persistence) return;
    const kept = [...this.entries].filter(([ref, entry]) => this.started.has(ref) && this.kept(entry.kind));
    this.persistence.save(Object.fromEntries(kept), removed);
  }

  /** Whether this process shares cooldowns of this kind with the others (`CooldownPersistence.shares`). */
  private kept(kind: FailureKind): boolean {
    return this.persistence?.shares === "every" ? COOLING_KINDS.has(kind) : PERSISTED_KINDS.has(kind);
  }

  /** When the model may be tried again, or undefined when it is not cooling down. */
  until(ref: string): number | undefined {
    const entry = this.entries.get(ref);
    if (!entry) return undefined;
    return entry.until > this.clock.now() ? entry.until : undefined;
  }

  /** The cooldown in force for the model (why, how many failures in a row, the wait asked for), or undefined. */
  current(ref: string): Readonly<CooldownEntry> | undefined {
    return this.until(ref) === undefined ? undefined : this.entries.get(ref);
  }

  /**
   * The key the server refused for the model, remembered past the cooldown (which only spaces the calls that try
   * it again): why, with the fix, and when — until a reload or restart gives another key, or a model called with it answers.
   */
  refusedKey(ref: string): { why: string; at: number | undefined } | undefined {
    const refused = this.entries.get(ref)?.keyRefused;
    return refused ? { why: refused.why, at: refused.at } : undefined;
  }

  /** The fingerprint of the credentials this process calls `model` with, to compare with a refused entry's `keyHash`. */
  keyHashOf(model: ServedOn): string {
    return fingerprint(model, this.fingerprintKey);
  }

  /** What the model is cooling down from, while it is. */
  reason(ref: string): FailureKind | undefined {
    return this.until(ref) === undefined ? undefined : this.entries.get(ref)?.kind;
  }

  /** Whether a quick look at the model's server may end its cooldown, while it cools down (`endedByLook`). */
  endsWithLook(ref: string): boolean {
    const entry = this.until(ref) === undefined ? undefined : this.entries.get(ref);
    return entry !== undefined && endedByLook(entry);
  }

  /** Providers with a model cooling down (what a health monitor probes). */
  coolingProviders(): string[] {
    this.forgetOld();
    return [...new Set([...this.entries.keys()].filter((ref) => this.until(ref) !== undefined).map((ref) => ref.slice(0, ref.indexOf("/"))))];
  }
}
