import { recordListening, type ListeningRecord } from "../../ops/gateway-listening.js";
import type { StopSwitch } from "../../gateway/stop-switch.js";

/** How often a draining gateway's record is brought up to date (how many turns and proxied answers it still finishes). */
const EVERY_MS = 500;

/**
 * While the gateway drains it listens no more, so `gateway status` cannot ask its /health: its record
 * in `<state dir>/gateway.listening/` says it is stopping and how many turns and proxied answers it still finishes (kept
 * up to date until it exits, when the record goes). A record that cannot be written is only logged once.
 */
export function recordDraining(context: { stateDir: string; record: ListeningRecord; stop: StopSwitch; onError: (message: string) => void }): () => void {
  let said = "";
  let warned = false;
  const write = (): void => {
    const counts = context.stop.counts;
    const key = `${counts.turns}/${counts.proxied}`;
    if (key === said) return;
    try {
      recordListening(context.stateDir, { ...context.record, stopping: { since: context.stop.since ?? Date.now(), ...counts } });
      said = key;
    } catch (error) {
      if (!warned) context.onError(error instanceof Error ? error.message : String(error));
      warned = true;
    }
  };
  write();
  const timer = setInterval(write, EVERY_MS);
  timer.unref();
  return () => clearInterval(timer);
}
