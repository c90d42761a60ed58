import { unreachableWhy } from "./unreachable-words.js";
import { backoffDelay, LINK_BACKOFF, type BackoffOptions } from "./backoff.js";
import type { LinkState } from "./link-state.js";

export type { LinkState };

export interface GatewayLink {
  state(): LinkState;
  /** Called with each new state (and once at once with the current one). */
  watch(listener: (state: LinkState) => void): void;
  /** A request could not reach the gateway (a network error): it is probed from now on, backing off. */
  lost(reason: string): void;
  /** The gateway said it is stopping. */
  stopping(turns: number | undefined): void;
  /** Something went wrong that may mean the gateway went away (an event stream that ended): `/health` is asked now. */
  check(): void;
  /** Asks `/health` now rather than at the next try (the banner's *Retry now*, the browser back online). */
  retryNow(): void;
  /** Resolves once the gateway answers (at once while it does): true when it was away meanwhile. */
  whenUp(): Promise<boolean>;
}

type Health = { kind: "up" } | { kind: "stopping"; turns: number | undefined } | { kind: "down"; reason: string };

/** How long `/health` may take: a stopped gateway takes the connection and never answers. */
const HEALTH_WAIT_MS = 5_000;

/** `GET /health` (it needs no token): ok, stopping, or why it could not be read. */
async function readHealth(): Promise<Health> {
  try {
    const response = await fetch("/health", { cache: "no-store", signal: AbortSignal.timeout(HEALTH_WAIT_MS) });
    const body = (await response.json().catch(() => undefined)) as { status?: unknown; stopping?: { turns?: unknown } } | undefined;
    if (body?.status === "stopping") return { kind: "stopping", turns: typeof body.stopping?.turns === "number" ? body.stopping.turns : undefined };
    if (response.ok && body?.status === "ok") return { kind: "up" };
    return { kind: "down", reason: `its /health answered ${response.status}` };
  } catch (error) {
    if (error instanceof DOMException && error.name === "TimeoutError") return { kind: "down", reason: `its /health did not answer within ${HEALTH_WAIT_MS / 1000} s (stopped or hung?)` };
    return { kind: "down", reason: unreachableWhy(error) };
  }
}

/**
 * The page's one view of the gateway's reachability. While the gateway is away only `/health` is
 * asked, at growing intervals (1 s, 2 s, 4 s … capped at 10 s, each ±20 %); everything else waits for
 * `whenUp`, which resolves the moment `/health` answers ok again.
 */
export function createGatewayLink(options: { backoff?: BackoffOptions } = {}): GatewayLink {
  const backoff = options.backoff ?? LINK_BACKOFF;
  let current: LinkState = { kind: "up" };
  let attempt = 0;
  /** The next `/health` try, while the gateway is away; undefined while a try runs or it is up. */
  let timer: ReturnType<typeof setTimeout> | undefined;
  let nextTryAt = 0;
  let probing = false;
  let wasAway = false;
  const listeners: ((state: LinkState) => void)[] = [];
  const waiters: ((wasAway: boolean) => void)[] = [];

  const set = (next: LinkState): void => {
    if (next.kind === "up" && current.kind === "up") return;
    current = next;
    for (const listener of listeners) listener(next);
    if (next.kind !== "up") return;
    const away = wasAway;
    wasAway = false;
    for (const wake of waiters.splice(0)) wake(away);
  };

  const away = (health: Exclude<Health, { kind: "up" }>): void => {
    wasAway = true;
    // A try already due (or running) stays as it is: news between tries changes the words, not the schedule.
    if (timer === undefined && !probing) {
      const wait = backoffDelay(attempt++, backoff);
      nextTryAt = Date.now() + wait;
      timer = setTimeout(() => void probe(), wait);
    }
    if (health.kind === "stopping") {
      set({ kind: "stopping", turns: health.turns, nextTryAt });
      return;
    }
    const afterStop = current.kind === "stopping" || (current.kind === "down" && current.afterStop);
    const since = current.kind === "down" ? current.since : Date.now();
    set({ kind: "down", reason: health.reason, afterStop, since, nextTryAt });
  };

  const probe = async (): Promise<void> => {
    if (probing) return;
    probing = true;
    clearTimeout(timer);
    timer = undefined;
    const health = await readHealth();
    probing = false;
    if (health.kind === "up") {
      attempt = 0;
      set({ kind: "up" });
    } else away(health);
  };

  window.addEventListener("online", () => {
    if (current.kind !== "up") void probe();
  });

  return {
    state: () => current,
    watch: (listener) => {
      listeners.push(listener);
      listener(current);
    },
    lost: (reason) => {
      if (current.kind === "up") away({ kind: "down", reason });
    },
    stopping: (turns) => away({ kind: "stopping", turns }),
    check: () => void probe(),
    retryNow: () => void probe(),
    whenUp: () => (current.kind === "up" ? Promise.resolve(false) : new Promise((resolve) => waiters.push(resolve))),
  };
}
