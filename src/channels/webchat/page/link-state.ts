// The gateway's reachability as the page knows it, and the banner's words for it (no DOM here: the Node tests import it).

/** Whether the gateway can be reached, as the page last learnt it. */
export type LinkState =
  | { kind: "up" }
  /** The gateway said it is stopping (its `stopping` event, a 503 `gateway_stopping`, `/health`'s `status: "stopping"`). */
  | { kind: "stopping"; turns: number | undefined; nextTryAt: number }
  /** Not reachable; `afterStop`: it said it was stopping before (a restart, most likely). */
  | { kind: "down"; reason: string; afterStop: boolean; since: number; nextTryAt: number };

function turnsFinishing(turns: number | undefined): string {
  if (!turns) return "";
  return ` (${turns} ${turns === 1 ? "turn" : "turns"} finishing)`;
}

function nextTry(at: number, now: number): string {
  const seconds = Math.ceil((at - now) / 1000);
  return seconds > 0 ? `retrying in ${seconds} s` : "retrying now…";
}

/** The banner's words for a state the gateway is away in. */
export function linkBannerText(state: Exclude<LinkState, { kind: "up" }>, now: number): string {
  if (state.kind === "stopping") return `hearth is stopping${turnsFinishing(state.turns)} — the page reconnects once it is back; ${nextTry(state.nextTryAt, now)}`;
  if (state.afterStop) return `hearth is restarting — not reachable yet, ${nextTry(state.nextTryAt, now)}`;
  return `hearth is not reachable — ${nextTry(state.nextTryAt, now)}`;
}
