// /health with many live event streams open (/api/events, the web chat's: one per open page): none,
// 1,000 idle, and the same 1,000 while a turn's events stream to each of them. The gateway is the
// gateway section's, its config allowing SUBSCRIBERS streams (gateway.limits.maxEventSubscribers).
import http from "node:http";
import type { BenchResults } from "../results.js";
import { formatMs, median, p99, printTable } from "../stats.js";

export const SUBSCRIBERS = 1_000;
const SAMPLES = 100;
const SECTION = "gateway";

interface Stream {
  request: http.ClientRequest;
  /** Resolves with the stream's first bytes (the setup it is sent on connect). */
  greeted: Promise<void>;
}

/** One /api/events stream on its own connection, read and thrown away; `onText` sees what it reads. */
function subscribe(base: string, onText?: (text: string) => void): Stream {
  let request!: http.ClientRequest;
  const greeted = new Promise<void>((resolve, reject) => {
    request = http.get(`${base}/api/events`, { agent: false }, (response) => {
      if (response.statusCode !== 200) reject(new Error(`/api/events answered ${response.statusCode}`));
      response.setEncoding("utf8");
      response.on("data", (text: string) => {
        resolve();
        onText?.(text);
      });
      response.on("error", () => undefined);
    });
    request.on("error", reject);
  });
  return { request, greeted };
}

async function healthSamples(base: string, agent: http.Agent, until: () => boolean = () => false): Promise<number[]> {
  const samples: number[] = [];
  while (samples.length < SAMPLES && !until()) {
    const started = performance.now();
    await new Promise<void>((resolve, reject) => {
      http
        .get(`${base}/health`, { agent }, (response) => {
          response.resume();
          response.on("end", () => resolve());
        })
        .on("error", reject);
    });
    samples.push(performance.now() - started);
  }
  return samples;
}

/** A turn of model "m" (its tokens as fast as the upstream writes them) on the web channel: its events go to every stream. */
function startTurn(base: string, agent: http.Agent): Promise<void> {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify({ text: "tell me a story", model: "local/m" });
    const request = http.request(`${base}/api/sessions/bench-events/messages`, { method: "POST", agent, headers: { "content-type": "application/json" } }, (response) => {
      response.resume();
      response.on("end", () => (response.statusCode === 202 ? resolve() : reject(new Error(`a turn was refused: ${response.statusCode}`))));
    });
    request.on("error", reject);
    request.end(body);
  });
}

export async function benchEventSubscribers(results: BenchResults, base: string): Promise<void> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const streams: Stream[] = [];
  try {
    const none = await healthSamples(base, agent);
    let turnsEnded = 0;
    streams.push(subscribe(base, (text) => (turnsEnded += text.split("event: turn-end\n").length - 1)));
    for (let count = 1; count < SUBSCRIBERS; count++) streams.push(subscribe(base));
    await Promise.all(streams.map((stream) => stream.greeted));
    const idle = await healthSamples(base, agent);
    // Turn after turn until the samples are in, each sample taken while one streams.
    const streaming: number[] = [];
    while (streaming.length < SAMPLES) {
      const ended = turnsEnded;
      await startTurn(base, agent);
      streaming.push(...(await healthSamples(base, agent, () => turnsEnded > ended)).slice(0, SAMPLES - streaming.length));
      while (turnsEnded === ended) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    results.add({ section: SECTION, name: `/health with ${SUBSCRIBERS} idle /api/events streams`, unit: "ms", samples: idle, reference: { name: "no stream", samples: none } });
    results.add({ section: SECTION, name: `/health while a turn streams to ${SUBSCRIBERS} /api/events streams`, unit: "ms", samples: streaming, reference: { name: "no stream", samples: none } });
    printTable(
      `/health beside live event streams (${SAMPLES} requests each, one at a time)`,
      ["streams", "median", "p99"],
      [
        ["none", formatMs(median(none)), formatMs(p99(none))],
        [`${SUBSCRIBERS} idle`, formatMs(median(idle)), formatMs(p99(idle))],
        [`${SUBSCRIBERS}, a turn streaming to each`, formatMs(median(streaming)), formatMs(p99(streaming))],
      ],
    );
  } finally {
    for (const stream of streams) stream.request.destroy();
    agent.destroy();
  }
}
