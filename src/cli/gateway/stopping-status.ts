import { workWords, type StopCounts } from "../../gateway/stop-counts.js";
import type { ListeningRecord } from "../../ops/gateway-listening.js";

/** `gateway status` of a gateway that stops: it listens no more, and finishes the turns and proxied answers under way (up to 30 s). */
export function stoppingLine(record: ListeningRecord & { stopping: { since: number } & StopCounts }): string {
  const finishing = record.stopping.turns + record.stopping.proxied > 0 ? `${workWords(record.stopping)} finishing` : "nothing left to finish";
  return `stopping: the gateway that was at ${record.url}/ (pid ${record.pid}) is stopping, ${finishing}; it takes no new requests, and a gateway started now waits for it to stop, then serves them`;
}
