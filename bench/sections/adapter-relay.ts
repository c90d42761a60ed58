import http from "node:http";
import type { ProviderAdapter } from "../../src/ai/adapter.js";
import { HttpClient } from "../../src/ai/http/http-client.js";
import { createAnthropicMessagesAdapter } from "../../src/ai/providers/anthropic-messages/index.js";
import { createOpenAICompletionsAdapter } from "../../src/ai/providers/openai-completions/index.js";
import { createOpenAIResponsesAdapter } from "../../src/ai/providers/openai-responses/index.js";
import type { Api } from "../../src/ai/api.js";
import { spawnStreamServer } from "../spawn-server.js";
import { modelSpec } from "../../test/ai/adapter-contract.js";
import type { BenchResults } from "../results.js";
import { formatMs, median, p99, printTable } from "../stats.js";

interface Protocol {
  api: Api;
  path: string;
  base: (url: string) => string;
  create: (http: HttpClient) => ProviderAdapter;
}

const protocols: Protocol[] = [
  { api: "openai-responses", path: "/v1/responses", base: (url) => `${url}/v1`, create: (client) => createOpenAIResponsesAdapter({ http: client }) },
  { api: "openai-completions", path: "/v1/chat/completions", base: (url) => `${url}/v1`, create: (client) => createOpenAICompletionsAdapter({ http: client }) },
  { api: "anthropic-messages", path: "/v1/messages", base: (url) => url, create: (client) => createAnthropicMessagesAdapter({ http: client }) },
];

interface Sample {
  firstMs: number;
  totalMs: number;
  events: number;
}

/** The same stream read raw, as the leanest client would: one HTTP request, frames split and each JSON payload parsed. */
function readRaw(url: string, body: string): Promise<Sample> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    let firstMs = -1;
    let events = 0;
    let carry = "";
    const request = http.request(url, { method: "POST", headers: { "content-type": "application/json" } }, (response) => {
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => {
        carry += chunk;
        const frames = carry.split("\n\n");
        carry = frames.pop() ?? "";
        if (frames.length > 0 && firstMs < 0) firstMs = performance.now() - started;
        for (const frame of frames) {
          const data = frame.slice(frame.indexOf("data: ") + 6);
          if (data !== "[DONE]") JSON.parse(data);
          events++;
        }
      });
      response.on("end", () => resolve({ firstMs, totalMs: performance.now() - started, events }));
    });
    request.on("error", reject);
    request.end(body);
  });
}

async function readAdapter(adapter: ProviderAdapter, baseUrl: string, api: Api): Promise<Sample> {
  const started = performance.now();
  let firstMs = -1;
  for await (const _event of adapter.stream(modelSpec(api, baseUrl), { messages: [{ role: "user", content: "go" }] })) {
    if (firstMs < 0) firstMs = performance.now() - started;
  }
  return { firstMs, totalMs: performance.now() - started, events: 0 };
}

/** Relay cost of each adapter: first event and throughput through hearth vs the same stream read raw, in one run. */
export async function benchAdapterRelay(results: BenchResults, runs = 40): Promise<void> {
  // Each stream: ~2,000 characters in ~500 deltas, from a server in its own process (as LM Studio is).
  const rows: string[][] = [];
  for (const protocol of protocols) {
    const server = await spawnStreamServer(protocol.api);
    const client = new HttpClient();
    const adapter = protocol.create(client);
    const raw: Sample[] = [];
    const through: Sample[] = [];
    try {
      for (let run = 0; run < 5; run++) {
        await readRaw(`${server.url}${protocol.path}`, "{}");
        await readAdapter(adapter, protocol.base(server.url), protocol.api);
      }
      for (let run = 0; run < runs; run++) {
        // Alternate the order so neither side always runs on a warmer server.
        if (run % 2 === 0) {
          raw.push(await readRaw(`${server.url}${protocol.path}`, "{}"));
          through.push(await readAdapter(adapter, protocol.base(server.url), protocol.api));
        } else {
          through.push(await readAdapter(adapter, protocol.base(server.url), protocol.api));
          raw.push(await readRaw(`${server.url}${protocol.path}`, "{}"));
        }
      }
    } finally {
      client.destroy();
      await server.stop();
    }
    const rawFirst = raw.map((sample) => sample.firstMs);
    const adapterFirst = through.map((sample) => sample.firstMs);
    // Both sides read the same frames; the rate is the server's frames over each side's whole time.
    const frames = raw[0]?.events ?? 0;
    const rawRate = raw.map((sample) => (frames / sample.totalMs) * 1000);
    const adapterRate = through.map((sample) => (frames / sample.totalMs) * 1000);
    results.add({ section: "adapter relay", name: `${protocol.api}: first event`, unit: "ms", samples: adapterFirst, reference: { name: "raw read", samples: rawFirst }, target: "< 1 ms added" });
    results.add({ section: "adapter relay", name: `${protocol.api}: events/s`, unit: "events/s", samples: adapterRate, reference: { name: "raw read", samples: rawRate }, target: "within 5%" });
    results.add({ section: "adapter relay", name: `${protocol.api}: whole stream`, unit: "ms", samples: through.map((s) => s.totalMs), reference: { name: "raw read", samples: raw.map((s) => s.totalMs) } });
    rows.push([
      protocol.api,
      `${formatMs(median(rawFirst))} / ${formatMs(median(adapterFirst))}`,
      formatMs(median(adapterFirst) - median(rawFirst)),
      `${formatMs(p99(rawFirst))} / ${formatMs(p99(adapterFirst))}`,
      `${Math.round(median(rawRate))} / ${Math.round(median(adapterRate))}`,
      `${((median(adapterRate) / median(rawRate)) * 100).toFixed(1)}%`,
      `${formatMs(median(raw.map((s) => s.totalMs)))} / ${formatMs(median(through.map((s) => s.totalMs)))}`,
    ]);
  }
  printTable(
    `adapter relay vs raw read of the same local stream, ${runs} runs each (target: within 5%, first event < 1 ms added)`,
    ["protocol", "first event raw/adapter", "added", "p99 first raw/adapter", "events/s raw/adapter", "adapter vs raw", "whole stream raw/adapter"],
    rows,
  );
}
