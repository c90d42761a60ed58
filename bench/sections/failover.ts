import { HttpClient } from "../../src/ai/http/http-client.js";
import type { ModelSpec } from "../../src/ai/model-spec.js";
import { createRouting } from "../../src/cli/wire-router.js";
import type { Router } from "../../src/models/router.js";
import { refusedUrl, startFakeServer } from "../../test/fakes/fake-server.js";
import { resolveText } from "../../test/helpers/config.js";
import { spawnStreamServer } from "../spawn-server.js";
import type { BenchResults } from "../results.js";
import { formatMs, median, p99, printTable } from "../stats.js";

const HANG_TIMEOUT_SECONDS = 0.5;

function chain(servers: Record<string, string>, timeouts: Record<string, number> = {}): ModelSpec[] {
  const providers = Object.entries(servers)
    .map(([id, url]) => `${id}: { baseUrl: "${url}", api: "openai-completions", ${timeouts[id] ? `timeoutSeconds: ${timeouts[id]},` : ""} models: [{ id: "m" }] }`)
    .join(",");
  const ids = Object.keys(servers);
  const text = `{ agents: { defaults: { model: { primary: "${ids[0]}/m", fallbacks: ${JSON.stringify(ids.slice(1).map((id) => `${id}/m`))} } } }, models: { mode: "replace", providers: { ${providers} } } }`;
  return resolveText(text).chain.map((entry) => entry.model);
}

async function timeTurn(router: Router, models: ModelSpec[]): Promise<number> {
  const started = performance.now();
  let ok = false;
  for await (const event of router.stream({ chain: models, context: { messages: [{ role: "user", content: "hi" }] } })) {
    if (event.type === "route-end") ok = true;
  }
  if (!ok) throw new Error("the turn failed");
  return performance.now() - started;
}

/** Added time to a fallback answer: primary refusing, primary hanging, and primary skipped by its cooldown — each beside a direct answer from the fallback. */
export async function benchFailover(results: BenchResults, runs = 30): Promise<void> {
  const spare = await spawnStreamServer("openai-completions", 5);
  const hanging = await startFakeServer(() => ({ kind: "hang-before-headers" }));
  const refused = `${await refusedUrl()}/v1`;
  const http = new HttpClient();
  const routing = createRouting({ http });
  const direct = chain({ spare: `${spare.url}/v1` });
  const viaRefused = chain({ local: refused, spare: `${spare.url}/v1` });
  const viaHang = chain({ stuck: hanging.baseUrl, spare: `${spare.url}/v1` }, { stuck: HANG_TIMEOUT_SECONDS });
  const samples = { direct: [] as number[], refused: [] as number[], cooldown: [] as number[], hang: [] as number[] };
  try {
    for (let run = 0; run < 3; run++) await timeTurn(routing.router, direct);
    for (let run = 0; run < runs; run++) {
      samples.direct.push(await timeTurn(routing.router, direct));
      routing.cooldowns.succeed("local/m");
      samples.refused.push(await timeTurn(routing.router, viaRefused));
      samples.cooldown.push(await timeTurn(routing.router, viaRefused));
      if (run < Math.min(runs, 10)) {
        routing.cooldowns.succeed("stuck/m");
        samples.hang.push((await timeTurn(routing.router, viaHang)) - HANG_TIMEOUT_SECONDS * 1000);
      }
    }
  } finally {
    http.destroy();
    await Promise.all([spare.stop(), hanging.close()]);
  }
  const asked = { name: "fallback asked directly", samples: samples.direct };
  results.add({ section: "failover", name: "primary refuses connections", unit: "ms", samples: samples.refused, reference: asked, target: "< 50 ms added" });
  results.add({ section: "failover", name: "primary cooling down (skipped)", unit: "ms", samples: samples.cooldown, reference: asked });
  results.add({ section: "failover", name: `primary hangs (minus the ${HANG_TIMEOUT_SECONDS * 1000} ms timeout)`, unit: "ms", samples: samples.hang, reference: asked, target: "< 100 ms added" });
  const base = median(samples.direct);
  const row = (name: string, values: number[], added: number): string[] => [name, formatMs(median(values)), formatMs(p99(values)), formatMs(added)];
  printTable(
    `time to a fallback answer, ${runs} turns each (targets: refused < 50 ms added; hang = timeout + < 100 ms)`,
    ["primary", "median", "p99", "added over direct"],
    [
      row("none: the fallback asked directly", samples.direct, 0),
      row("refuses connections", samples.refused, median(samples.refused) - base),
      row("refused last turn (cooling down: skipped)", samples.cooldown, median(samples.cooldown) - base),
      row(`hangs (minus the ${HANG_TIMEOUT_SECONDS * 1000} ms timeout)`, samples.hang, median(samples.hang) - base),
    ],
  );
}
