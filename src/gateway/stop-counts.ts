/** What a stopping gateway still runs, by kind: turns (of a session: web chat, WhatsApp, agent mode) and proxied answers (`/v1` naming a model). */
export interface StopCounts {
  turns: number;
  proxied: number;
}

/** How long a stopping gateway lets its turns and proxied answers finish before it cancels them (SIGTERM; a second signal: at once). */
export const DRAIN_MS = 30_000;

/** What a piece of work the stop switch tracks is. */
export type WorkKind = "turn" | "proxied";

const plural = (count: number, noun: string): string => `${count} ${noun}${count === 1 ? "" : "s"}`;

/** "1 turn", "2 proxied answers", "1 turn and 2 proxied answers"; "nothing" when both are none. */
export function workWords(counts: StopCounts): string {
  const said = [counts.turns > 0 ? plural(counts.turns, "turn") : undefined, counts.proxied > 0 ? plural(counts.proxied, "proxied answer") : undefined].filter((words) => words !== undefined);
  return said.length > 0 ? said.join(" and ") : "nothing";
}
