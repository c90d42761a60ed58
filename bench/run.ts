// npm run bench [section…]: each section compares side by side in one run and prints medians, p99
// and ratios. Sections: cli, relay, failover, agent, whatsapp, realserver (a real llama-server; see bench/sections/real-server.ts).
import { benchAdapterRelay } from "./sections/adapter-relay.js";
import { benchAgent } from "./sections/agent-turn.js";
import { benchCliColdStart } from "./sections/cli-cold-start.js";
import { benchFailover } from "./sections/failover.js";
import { benchRealServer } from "./sections/real-server.js";
import { benchWhatsAppBurst } from "./sections/whatsapp-burst.js";

const sections: Record<string, () => void | Promise<void>> = {
  cli: () => benchCliColdStart(),
  relay: () => benchAdapterRelay(),
  failover: () => benchFailover(),
  agent: () => benchAgent(),
  realserver: () => benchRealServer(),
  whatsapp: () => benchWhatsAppBurst(),
};

const wanted = process.argv.slice(2);
const unknown = wanted.filter((name) => !(name in sections));
if (unknown.length > 0) {
  console.error(`unknown bench section: ${unknown.join(", ")} (known: ${Object.keys(sections).join(", ")})`);
  process.exit(2);
}
console.log(`hearth benchmarks · node ${process.version} · ${new Date().toISOString()}`);
for (const [name, run] of Object.entries(sections)) {
  if (wanted.length === 0 || wanted.includes(name)) await run();
}
