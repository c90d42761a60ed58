import { finalText } from "../../src/channels/whatsapp/final-text.js";
import { splitMessage } from "../../src/channels/whatsapp/message-split.js";
import type { BenchResults } from "../results.js";
import { median, printTable } from "../stats.js";

interface Case {
  name: string;
  /** The text of `size` characters, about. */
  text: (size: number) => string;
  run: (text: string) => unknown;
}

/** What the WhatsApp channel does to an answer on the gateway's event loop, for texts a steered model may write. */
const CASES: readonly Case[] = [
  { name: "finalText, <THINK>x</THINK> blocks before the answer", text: (size) => `${"<THINK>x</THINK>".repeat(size / 16)}Answer`, run: finalText },
  { name: "split at 4,000, *a* _b_ spans on one line", text: (size) => "*a* _b_ ".repeat(size / 8), run: (text) => splitMessage(text, 4_000) },
  { name: "split at 200, one word", text: (size) => "x".repeat(size), run: (text) => splitMessage(text, 200) },
  { name: "split at 4,000, Chinese with no sentence end", text: (size) => "这是一个很长的句子".repeat(size / 9), run: (text) => splitMessage(text, 4_000) },
];

/** CPU milliseconds for one call. */
function cpuMs(run: () => unknown): number {
  const started = process.cpuUsage();
  run();
  const used = process.cpuUsage(started);
  return (used.user + used.system) / 1000;
}

/**
 * The WhatsApp text guard and split on long answers, by CPU time per 100 kB: a 1 MB text beside a 100 kB one.
 * Linear, the two are alike; the guard was quadratic in leading blocks (512 kB of them: 11.7 s blocked the gateway),
 * and the split in spans and in a line's length (1 MB: 2–3 s).
 */
export function benchWhatsAppText(results: BenchResults, runs = 3): void {
  const rows: string[][] = [];
  for (const shape of CASES) {
    const big = shape.text(1_024_000);
    const small = shape.text(102_400);
    const samples = { big: [] as number[], small: [] as number[] };
    for (let run = 0; run < runs + 1; run++) {
      const bigMs = cpuMs(() => shape.run(big)) / 10;
      const smallMs = cpuMs(() => shape.run(small));
      if (run === 0) continue; // warms the JIT up
      samples.big.push(bigMs);
      samples.small.push(smallMs);
    }
    results.add({ section: "whatsapp-text", name: `per 100 kB of a 1 MB text, ${shape.name}`, unit: "ms CPU", samples: samples.big, reference: { name: "of a 100 kB text", samples: samples.small }, target: "within 1.5× (linear)" });
    rows.push([shape.name, `${median(samples.big).toFixed(1)} ms`, `${median(samples.small).toFixed(1)} ms`, `${(median(samples.big) * 10).toFixed(0)} ms`]);
  }
  printTable("WhatsApp final text and split (CPU time)", ["the text", "per 100 kB, 1 MB text", "per 100 kB, 100 kB text", "the whole 1 MB"], rows);
}
