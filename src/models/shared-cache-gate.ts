/**
 * Admission to a local server, per server: no more of hearth's requests at once than the slots it runs
 * (llama.cpp `total_slots`; the server queues the rest itself, where their first-token clock would run
 * while they wait) — and, where its parallel requests share one KV cache, no more than fit it. A request
 * beyond the free slots waits here, in arrival order, and is said to (`onWait`); its first-token clock
 * starts when it is let in. When a request there ends because the server hung (`release(true)`), every
 * request waiting for that server is let go at once ("server-hung"): none waits its turn on a hung server.
 *
 * The shared cache: a server whose parallel requests share one KV cache (llama.cpp with several slots and
 * `--kv-unified`): when the cache fills, llama.cpp fails every request in flight at once ("Context
 * size has been exceeded."). So requests to such a server go in together only while the tokens they
 * may hold (prompt and reply) fit the cache; a request that does not fit waits, in arrival order,
 * until enough of the others have finished. A request alone is always let in (one that is too large
 * alone is refused by the server up front, as an overflow). An exclusive request (a retry after the
 * cache ran out) waits until it is alone, and nothing goes in beside it.
 *
 * The tokens a request may hold are estimated (about four characters a token) and scaled by what the
 * server counted for earlier prompts on it (`calibrate`).
 */

export interface Admission {
  /** Tokens the request may hold: its prompt (estimated) and its reply limit. */
  promptEstimate: number;
  replyTokens: number;
  /** The cache's size in tokens; undefined where the slots do not share one (only `slots` limits then). */
  capacity: number | undefined;
  /** Requests the server runs at once (its slots); undefined: only the cache limits. */
  slots?: number | undefined;
  /** Wait until no other request runs, and let none in beside it. */
  exclusive?: boolean | undefined;
  signal?: AbortSignal | undefined;
  /** Called once when the request has to wait: how many run on the server and wait before it, and for what (a slot, or room in the cache). */
  onWait?: ((load: { running: number; ahead: number; awaiting: "slot" | "cache" }) => void) | undefined;
}

/** Called exactly once when the request is over; `hung`: it ended because the server hung (a timeout, no connection). */
export type Release = (hung?: boolean) => void;

interface Waiter {
  tokens: number;
  exclusive: boolean;
  admit: () => void;
  /** The server hung for a request before it: let go without a call. */
  drop: () => void;
}

interface ServerState {
  /** Tokens held by the requests in flight. */
  held: number;
  running: number;
  exclusive: boolean;
  queue: Waiter[];
  capacity: number;
  slots: number;
}

/** Until a server counted a prompt: tokenizers of small local models count 2-3x four-characters-a-token. */
const DEFAULT_SCALE = 2;

export class SharedCacheGate {
  private readonly servers = new Map<string, ServerState>();
  /** Server-counted prompt tokens per estimated one, per server. */
  private readonly scales = new Map<string, number>();

  /**
   * Waits until the request may go to `server`; returns the release to call when it is over (exactly
   * once), undefined when `signal` aborted the wait, or "server-hung" when a request before it ended
   * because the server hung.
   */
  async enter(server: string, admission: Admission): Promise<Release | undefined | "server-hung"> {
    const capacity = admission.capacity ?? Number.POSITIVE_INFINITY;
    const tokens = Math.min(capacity, Math.ceil(admission.promptEstimate * this.scale(server)) + admission.replyTokens);
    const exclusive = admission.exclusive === true;
    let state = this.servers.get(server);
    if (!state) {
      state = { held: 0, running: 0, exclusive: false, queue: [], capacity, slots: Number.POSITIVE_INFINITY };
      this.servers.set(server, state);
    }
    state.capacity = capacity;
    state.slots = admission.slots !== undefined && admission.slots > 0 ? admission.slots : Number.POSITIVE_INFINITY;
    const current = state;
    let released = false;
    const release: Release = (hung = false) => {
      if (released) return;
      released = true;
      this.leave(server, current, { tokens, hung });
    };
    if (current.queue.length === 0 && fits(current, tokens, exclusive)) {
      hold(current, tokens, exclusive);
      return release;
    }
    if (admission.signal?.aborted) return this.dropIfIdle(server, current);
    admission.onWait?.({ running: current.running, ahead: current.queue.length, awaiting: current.capacity === Number.POSITIVE_INFINITY || current.running >= current.slots ? "slot" : "cache" });
    const admitted = await new Promise<boolean | "server-hung">((resolve) => {
      const waiter: Waiter = {
        tokens,
        exclusive,
        admit: () => {
          admission.signal?.removeEventListener("abort", onAbort);
          resolve(true);
        },
        drop: () => {
          admission.signal?.removeEventListener("abort", onAbort);
          resolve("server-hung");
        },
      };
      const onAbort = (): void => {
        const at = current.queue.indexOf(waiter);
        if (at >= 0) current.queue.splice(at, 1);
        this.drain(current);
        resolve(false);
      };
      admission.signal?.addEventListener("abort", onAbort, { once: true });
      current.queue.push(waiter);
    });
    if (admitted === "server-hung") {
      this.dropIfIdle(server, current);
      return "server-hung";
    }
    if (!admitted) return this.dropIfIdle(server, current);
    return release;
  }

  /** The server counted `counted` prompt tokens for a prompt estimated at `estimated`: scale later estimates so. */
  calibrate(server: string, estimated: number, counted: number): void {
    if (estimated <= 0 || counted <= 0) return;
    this.scales.set(server, Math.min(4, Math.max(0.5, counted / estimated)));
  }

  /** Requests in flight and waiting per server (for tests and diagnosis). */
  load(server: string): { running: number; waiting: number; held: number } {
    const state = this.servers.get(server);
    return { running: state?.running ?? 0, waiting: state?.queue.length ?? 0, held: state?.held ?? 0 };
  }

  private scale(server: string): number {
    return this.scales.get(server) ?? DEFAULT_SCALE;
  }

  private leave(server: string, state: ServerState, ended: { tokens: number; hung: boolean }): void {
    state.held -= ended.tokens;
    state.running -= 1;
    if (state.running === 0) state.exclusive = false;
    // The server hung: nothing waiting for it is sent there (each would wait out its own limit in turn).
    if (ended.hung) for (const waiter of state.queue.splice(0)) waiter.drop();
    this.drain(state);
    this.dropIfIdle(server, state);
  }

  /** Lets waiters in, in arrival order, while the first of them fits. */
  private drain(state: ServerState): void {
    for (let first = state.queue[0]; first !== undefined && fits(state, first.tokens, first.exclusive); first = state.queue[0]) {
      state.queue.shift();
      hold(state, first.tokens, first.exclusive);
      first.admit();
    }
  }

  /** A server with nothing running or waiting keeps no entry (the map stays as small as the traffic). */
  private dropIfIdle(server: string, state: ServerState): undefined {
    if (state.running === 0 && state.queue.length === 0 && this.servers.get(server) === state) this.servers.delete(server);
    return undefined;
  }
}

function fits(state: ServerState, tokens: number, exclusive: boolean): boolean {
  if (state.running === 0) return true;
  if (exclusive || state.exclusive || state.running >= state.slots) return false;
  return state.held + tokens <= state.capacity;
}

function hold(state: ServerState, tokens: number, exclusive: boolean): void {
  state.held += tokens;
  state.running += 1;
  if (exclusive) state.exclusive = true;
}
