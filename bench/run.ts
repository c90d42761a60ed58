// npm run bench [section…]: each section compares side by side in one run and prints medians, p99
// and ratios; a run of every section also writes bench/results.json and bench/results.md. Sections: cli, relay, failover,
// agent, whatsapp, redactor (CPU time per streamed delta and per page), splitter (CPU time per delta of one long line), textcalls (the extractor of tool calls written as text, on one long line), whatsapptext (the WhatsApp final-text guard and split, CPU time per 100 kB), gateway (the gateway process; HEARTH_BENCH_SOAK_TURNS sets its soak), realserver (a real
// llama-server; see bench/sections/real-server.ts).
import { benchAdapterRelay } from "./sections/adapter-relay.js";
import { benchAgent } from "./sections/agent-turn.js";
import { benchCliColdStart } from "./sections/cli-cold-start.js";
import { benchFailover } from "./sections/failover.js";
import { benchGateway } from "./sections/gateway.js";
import { writeFileSync } from "node:fs";
import { BenchResults, toJson, toMarkdown } from "./results.js";
import { benchRealServer } from "./sections/real-server.js";
import { benchRedactor } from "./sections/redactor.js";
import { benchSplitter } from "./sections/splitter.js";
import { benchTextToolCalls } from "./sections/text-tool-calls.js";
import { benchWhatsAppBurst } from "./sections/whatsapp-burst.js";
import { benchWhatsAppText } from "./sections/whatsapp-text.js";

const results = new BenchResults();
const sections: Record<string, () => void | Promise<void>> = {
  cli: () => benchCliColdStart(results),
  relay: () => benchAdapterRelay(results),
  failover: () => benchFailover(results),
  agent: () => benchAgent(results),
  whatsapp: () => benchWhatsAppBurst(results),
  gateway: () => benchGateway(results),
  realserver: () => benchRealServer(results),
  redactor: () => benchRedactor(results),
  splitter: () => benchSplitter(results),
  textcalls: () => benchTextToolCalls(results),
  whatsapptext: () => benchWhatsAppText(results),
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
if (wanted.length === 0) {
  const at = new Date();
  const here = new URL(".", import.meta.url).pathname;
  writeFileSync(`${here}results.json`, toJson(results, at));
  writeFileSync(`${here}results.md`, toMarkdown(results, at));
  console.log(`\nwrote bench/results.md and bench/results.json (${results.figures.length} figures)`);
} else {
  console.log("\n(bench/results.md is written by a run of every section: npm run bench)");
}
