// The gateway benchmark's proxy and agent modes (bench/sections/gateway.ts runs it): proxy mode beside the
// same requests sent straight to the upstream, through a bare Node proxy (the floor of a hop), a TCP relay
// (a hop reading no HTTP) and a proxy that reads the stream as hearth must (the floor of reading it);
// 100 streams at once; agent mode beside proxy mode.
import type { BenchResults } from "../results.js";
import { formatMs, median, p99, printTable } from "../stats.js";
import { chat, ok, request, type Reply } from "./gateway-requests.js";

const SECTION = "gateway";

/** Unmeasured rounds before the proxy-mode figures (each round sends one request to each side). */
const WARM_ROUNDS = 300;
/**
 * Unmeasured requests through the gateway alone before anything is measured, streaming and not in turn:
 * V8 goes on compiling the gateway's code for ~3,000 requests (its compiler threads busy for the first
 * seconds), and a gateway that runs for weeks has served that many in its first hour. After 300 the
 * non-streaming figure was still 0.5 ms above where it settles (measured in session 19: +1.2 ms at 300,
 * +0.9 at 1,000, +0.7 at 3,000, +0.67 at 6,000).
 */
const WARM_GATEWAY_REQUESTS = 4_000;

/** Runs each side `runs` times, rotating which goes first; `warm` unmeasured rounds before. */
async function sideBySide(runs: number, warm: number, sides: readonly (() => Promise<Reply>)[]): Promise<Reply[][]> {
  const replies: Reply[][] = sides.map(() => []);
  for (let run = -warm; run < runs; run++) {
    const round: Reply[] = [];
    for (let turn = 0; turn < sides.length; turn++) {
      const side = (((run + turn) % sides.length) + sides.length) % sides.length;
      round[side] = await (sides[side] as () => Promise<Reply>)();
    }
    if (run >= 0) round.forEach((reply, side) => replies[side]?.push(ok(reply)));
  }
  return replies;
}

const added = (through: readonly number[], direct: readonly number[]): string => `+${formatMs(median(through) - median(direct))} / +${formatMs(p99(through) - p99(direct))}`;

export async function benchModes(results: BenchResults, urls: { gateway: string; upstream: string; bareProxy: string; relay: string; readingProxy: string }, runs = 200, rounds = 5, concurrent = 100): Promise<void> {
  const direct = `${urls.upstream}/v1/chat/completions`;
  const through = `${urls.gateway}/v1/chat/completions`;
  const bare = `${urls.bareProxy}/v1/chat/completions`;
  const relay = `${urls.relay}/v1/chat/completions`;
  const reading = `${urls.readingProxy}/v1/chat/completions`;
  const send = (url: string, stream: boolean) => () => request(url, { body: chat("local/m", stream) });
  const instant = () => request(direct, { body: chat("local/m", false), headers: { "x-bench-instant": "1" } });
  // A gateway runs for weeks: measured once warm (its code optimised by V8, its connections open), after WARM_GATEWAY_REQUESTS
  // through it alone and WARM_ROUNDS unmeasured rounds of every side.
  for (let sent = 0; sent < WARM_GATEWAY_REQUESTS; sent++) ok(await send(through, sent % 2 === 1)());
  const [proxyPlain = [], directPlain = [], barePlain = [], instantPlain = [], relayPlain = [], readingPlain = []] = await sideBySide(runs, WARM_ROUNDS, [send(through, false), send(direct, false), send(bare, false), instant, send(relay, false), send(reading, false)]);
  const [proxyStream = [], directStream = [], bareStream = [], readingStream = []] = await sideBySide(runs / 2, WARM_ROUNDS, [send(through, true), send(direct, true), send(bare, true), send(reading, true)]);

  // 100 streams at once, each side in turn (the order rotating by round), after one unmeasured round.
  type Side = "proxy" | "direct" | "bare" | "reading";
  type Burst = Record<Side, { totalMs: number[]; firstMs: number[]; errors: number }>;
  const sides: readonly Side[] = ["direct", "bare", "reading", "proxy"];
  const target: Record<Side, string> = { proxy: through, direct, bare, reading };
  const none = (): Burst => ({ proxy: { totalMs: [], firstMs: [], errors: 0 }, direct: { totalMs: [], firstMs: [], errors: 0 }, bare: { totalMs: [], firstMs: [], errors: 0 }, reading: { totalMs: [], firstMs: [], errors: 0 } });
  const burst = none();
  const bursts = async (model: string, into: Burst): Promise<void> => {
    for (let round = -1; round < rounds; round++) {
      for (let turn = 0; turn < sides.length; turn++) {
        const side = sides[(round + 1 + turn) % sides.length] as Side;
        // hearth knows the model by its ref; the upstream, straight or through the bare or reading proxy, by its id there.
        const name = side === "proxy" ? `local/${model}` : model;
        const replies = await Promise.allSettled(Array.from({ length: concurrent }, () => request(target[side], { body: chat(name, true) })));
        if (round < 0) continue;
        for (const reply of replies) {
          if (reply.status === "fulfilled" && reply.value.status === 200 && reply.value.body.includes("[DONE]")) {
            into[side].totalMs.push(reply.value.ms);
            into[side].firstMs.push(reply.value.firstMs);
          } else into[side].errors++;
        }
      }
    }
  };
  // At a model's pace (a token every 20 ms each: 5,000 tokens a second in all, more than one local
  // server makes), and as fast as the upstream can write (what the machine can push through).
  const paced = none();
  await bursts("paced", paced);
  await bursts("m", burst);

  // Agent mode beside proxy mode: the same one-message request; agent turns go to 5 sessions (saved on disk).
  let turn = 0;
  const [agentTurns = [], proxyTurns = []] = await sideBySide(60, 5, [
    () => request(through, { body: chat("hearth", false, `agent turn ${turn}`), headers: { "x-hearth-session": `bench-agent-${turn++ % 5}` } }),
    send(through, false),
  ]);

  const ms = (replies: readonly Reply[], first = false): number[] => replies.map((reply) => (first ? reply.firstMs : reply.ms));
  const straight = (samples: readonly number[]) => ({ name: "straight to upstream", samples });
  results.add({ section: SECTION, name: "proxy mode, non-streaming", unit: "ms", samples: ms(proxyPlain), reference: straight(ms(directPlain)), target: "added < 0.5 ms p50, < 3 ms p99" });
  results.add({ section: SECTION, name: "bare Node proxy (the floor of a hop), non-streaming", unit: "ms", samples: ms(barePlain), reference: straight(ms(directPlain)) });
  results.add({ section: SECTION, name: "a proxy reading the stream (the floor of reading it), non-streaming", unit: "ms", samples: ms(readingPlain), reference: straight(ms(directPlain)) });
  results.add({ section: SECTION, name: "TCP relay (a process hop reading no HTTP), non-streaming", unit: "ms", samples: ms(relayPlain), reference: straight(ms(directPlain)) });
  results.add({ section: SECTION, name: "proxy mode, non-streaming, against an upstream answering at once (no generation time)", unit: "ms", samples: ms(proxyPlain), reference: { name: "straight, answered at once", samples: ms(instantPlain) } });
  results.add({ section: SECTION, name: "proxy mode, streaming: first token", unit: "ms", samples: ms(proxyStream, true), reference: straight(ms(directStream, true)) });
  results.add({ section: SECTION, name: "proxy mode, streaming: whole stream", unit: "ms", samples: ms(proxyStream), reference: straight(ms(directStream)) });
  results.add({ section: SECTION, name: "bare Node proxy (the floor of a hop), streaming: whole stream", unit: "ms", samples: ms(bareStream), reference: straight(ms(directStream)) });
  results.add({ section: SECTION, name: "a proxy reading the stream (the floor of reading it), streaming: whole stream", unit: "ms", samples: ms(readingStream), reference: straight(ms(directStream)) });
  results.add({ section: SECTION, name: `${concurrent} concurrent streams at a model's pace (50 tokens/s each): whole stream`, unit: "ms", samples: paced.proxy.totalMs, reference: straight(paced.direct.totalMs), target: "no errors, added p99 < 10 ms" });
  results.add({ section: SECTION, name: `bare Node proxy (the floor of a hop), ${concurrent} concurrent streams at a model's pace: whole stream`, unit: "ms", samples: paced.bare.totalMs, reference: straight(paced.direct.totalMs) });
  results.add({ section: SECTION, name: `a proxy reading the stream (the floor of reading it), ${concurrent} concurrent streams at a model's pace: whole stream`, unit: "ms", samples: paced.reading.totalMs, reference: straight(paced.direct.totalMs) });
  results.add({ section: SECTION, name: `${concurrent} concurrent streams at a model's pace: first token`, unit: "ms", samples: paced.proxy.firstMs, reference: straight(paced.direct.firstMs) });
  results.add({ section: SECTION, name: `bare Node proxy (the floor of a hop), ${concurrent} concurrent streams at a model's pace: first token`, unit: "ms", samples: paced.bare.firstMs, reference: straight(paced.direct.firstMs) });
  results.add({ section: SECTION, name: `a proxy reading the stream (the floor of reading it), ${concurrent} concurrent streams at a model's pace: first token`, unit: "ms", samples: paced.reading.firstMs, reference: straight(paced.direct.firstMs) });
  results.add({ section: SECTION, name: `${concurrent} concurrent streams at a model's pace: errors`, unit: "", samples: [paced.proxy.errors], reference: { name: "straight to upstream", samples: [paced.direct.errors] }, target: "0" });
  results.add({ section: SECTION, name: `${concurrent} concurrent streams as fast as the upstream writes: whole stream`, unit: "ms", samples: burst.proxy.totalMs, reference: straight(burst.direct.totalMs), target: "no errors, added p99 < 10 ms" });
  results.add({ section: SECTION, name: `bare Node proxy (the floor of a hop), ${concurrent} concurrent streams as fast as the upstream writes: whole stream`, unit: "ms", samples: burst.bare.totalMs, reference: straight(burst.direct.totalMs) });
  results.add({ section: SECTION, name: `${concurrent} concurrent streams as fast as the upstream writes: first token`, unit: "ms", samples: burst.proxy.firstMs, reference: straight(burst.direct.firstMs) });
  results.add({ section: SECTION, name: `${concurrent} concurrent streams as fast as the upstream writes: errors`, unit: "", samples: [burst.proxy.errors], reference: { name: "straight to upstream", samples: [burst.direct.errors] }, target: "0" });
  results.add({ section: SECTION, name: "agent mode turn, non-streaming (session write included)", unit: "ms", samples: ms(agentTurns), reference: { name: "proxy mode", samples: ms(proxyTurns) } });
  const pair = (samples: readonly number[]): string => `${formatMs(median(samples))} / ${formatMs(p99(samples))}`;
  const row = (what: string, count: string, reference: readonly number[], hearth: readonly number[], floor: readonly number[] | undefined, errors: string): string[] => [
    what,
    count,
    pair(reference),
    pair(hearth),
    added(hearth, reference),
    floor ? added(floor, reference) : "",
    floor ? added(hearth, floor) : "",
    errors,
  ];
  printTable(
    `gateway modes vs straight to the same loopback upstream (its own process), and a bare Node proxy beside them (bench/serve-proxy.ts: the floor a proxy hop costs on this machine; rows in brackets put another floor in its column: a TCP relay, bench/serve-relay.ts, and a proxy that asks for a stream and reads it as hearth must, bench/serve-reading-proxy.ts); p50 / p99 (targets: non-streaming added < 0.5 / 3 ms; ${concurrent} streams no errors, added p99 < 10 ms)`,
    ["what", "runs", "straight p50 / p99", "through p50 / p99", "added p50 / p99", "bare proxy added", "hearth over bare proxy", "errors"],
    [
      row("proxy, non-streaming", String(runs), ms(directPlain), ms(proxyPlain), ms(barePlain), "0"),
      // bench/serve-relay.ts: what a hop costs apart from reading HTTP (hearth's column: over the relay).
      row("(a TCP relay, non-streaming, in the bare proxy's column)", String(runs), ms(directPlain), ms(proxyPlain), ms(relayPlain), ""),
      // bench/serve-reading-proxy.ts: what asking for a stream and reading it costs a proxy that does nothing else (hearth's column: over it).
      row("(a proxy reading the stream, in the bare proxy's column)", String(runs), ms(directPlain), ms(proxyPlain), ms(readingPlain), ""),
      // hearth always asks the upstream for a stream (to watch the first token and the gaps); the upstream makes its tokens at one pace either way, as a model server does.
      ["(straight: streamed, as hearth asks, vs not)", `${runs / 2} / ${runs}`, pair(ms(directPlain)), pair(ms(directStream)), added(ms(directStream), ms(directPlain)), "", "", ""],
      // The same requests against an upstream that answers non-streaming at once, skipping generation: what streaming costs beside that.
      row("proxy, non-streaming, vs answered at once", String(runs), ms(instantPlain), ms(proxyPlain), undefined, "0"),
      row("proxy, streaming: first token", String(runs / 2), ms(directStream, true), ms(proxyStream, true), ms(bareStream, true), "0"),
      row("proxy, streaming: whole stream", String(runs / 2), ms(directStream), ms(proxyStream), ms(bareStream), "0"),
      row("(a proxy reading the stream, in the bare proxy's column)", String(runs / 2), ms(directStream), ms(proxyStream), ms(readingStream), ""),
      row(`${concurrent} streams at once, 50 tokens/s each: whole stream`, `${rounds}x${concurrent}`, paced.direct.totalMs, paced.proxy.totalMs, paced.bare.totalMs, `${paced.direct.errors} / ${paced.bare.errors} / ${paced.proxy.errors}`),
      row("(a proxy reading the stream, in the bare proxy's column)", `${rounds}x${concurrent}`, paced.direct.totalMs, paced.proxy.totalMs, paced.reading.totalMs, `${paced.reading.errors}`),
      row(`${concurrent} streams at once, 50 tokens/s each: first token`, `${rounds}x${concurrent}`, paced.direct.firstMs, paced.proxy.firstMs, paced.bare.firstMs, ""),
      row("(a proxy reading the stream, in the bare proxy's column)", `${rounds}x${concurrent}`, paced.direct.firstMs, paced.proxy.firstMs, paced.reading.firstMs, ""),
      row(`${concurrent} streams at once, as fast as written: whole stream`, `${rounds}x${concurrent}`, burst.direct.totalMs, burst.proxy.totalMs, burst.bare.totalMs, `${burst.direct.errors} / ${burst.bare.errors} / ${burst.proxy.errors}`),
      row("(a proxy reading the stream, in the bare proxy's column)", `${rounds}x${concurrent}`, burst.direct.totalMs, burst.proxy.totalMs, burst.reading.totalMs, `${burst.reading.errors}`),
      row(`${concurrent} streams at once, as fast as written: first token`, `${rounds}x${concurrent}`, burst.direct.firstMs, burst.proxy.firstMs, burst.bare.firstMs, ""),
      row("agent turn vs proxy (reference: proxy)", "60", ms(proxyTurns), ms(agentTurns), undefined, "0"),
    ],
  );
}

