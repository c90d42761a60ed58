import { ThinkHabits } from "../../src/ai/think-habits.js";
import { modelSpec } from "../../test/ai/adapter-contract.js";
import type { BenchResults } from "../results.js";
import { median, printTable } from "../stats.js";

/** One line of minified JSON, as a model writes a structured output: `<`, `[`, backslashes, no tag or newline. */
function jsonLine(length: number): string {
  const records: string[] = [];
  for (let index = 0; records.join(",").length < length; index++) records.push(`{"id":${index},"name":"item ${index}","tags":["a","b"],"note":"x < y [${index}] \\\\ z","ok":true}`);
  return `[${records.join(",")}]`.slice(0, length);
}

interface Shape {
  name: string;
  /** The model is known to reason: its leading text is held until an orphan close or the end. */
  reasoner: boolean;
  output: (line: string) => string;
}

/** How the line comes: the splitter's paths (streamed at once, held, inside a block, harmony's channels). */
const SHAPES: readonly Shape[] = [
  { name: "a model not known to reason", reasoner: false, output: (line) => line },
  { name: "a reasoning model's held text, orphan close at its end", reasoner: true, output: (line) => `${line}</think>answer` },
  { name: "inside a <think> block", reasoner: false, output: (line) => `<think>${line}</think>answer` },
  { name: "after a <think> block (the answer)", reasoner: true, output: (line) => `<think>plan</think>${line}` },
  { name: "harmony's analysis channel", reasoner: false, output: (line) => `<|channel|>analysis<|message|>${line}<|end|><|start|>assistant<|channel|>final<|message|>answer` },
];

const DELTA = 3;

/** CPU microseconds per delta of `output` streamed `DELTA` characters at a time through a fresh splitter, as an adapter's builder drives it. */
function perDelta(output: string, reasoner: boolean): number {
  const model = modelSpec("openai-completions", "http://127.0.0.1:1", { id: reasoner ? "qwen3-8b" : "llama-3.1-8b" });
  const splitter = new ThinkHabits().splitterFor(model);
  const started = process.cpuUsage();
  for (let start = 0; start < output.length; start += DELTA) splitter.push(output.slice(start, start + DELTA));
  splitter.finish();
  splitter.ended?.("complete");
  const used = process.cpuUsage(started);
  return (used.user + used.system) / Math.ceil(output.length / DELTA);
}

/**
 * The reasoning splitter on one long line (minified JSON, a structured output, a base64 blob), by CPU time
 * per streamed delta of 3 characters: a 150k line beside a 10k one. Linear, the two are alike; the splitter
 * used to search its whole held line again per delta (a 138k line cost 0.3–1.7 s, stalling every stream).
 */
export function benchSplitter(results: BenchResults, runs = 5): void {
  const long = jsonLine(150_000);
  const short = jsonLine(10_000);
  const rows: string[][] = [];
  for (const shape of SHAPES) {
    const samples = { long: [] as number[], short: [] as number[] };
    for (let run = 0; run < runs + 1; run++) {
      const longDelta = perDelta(shape.output(long), shape.reasoner);
      const shortDelta = perDelta(shape.output(short), shape.reasoner);
      if (run === 0) continue; // warms the JIT up
      samples.long.push(longDelta);
      samples.short.push(shortDelta);
    }
    results.add({ section: "splitter", name: `one delta of a 150k line, ${shape.name}`, unit: "µs CPU", samples: samples.long, reference: { name: "of a 10k line", samples: samples.short }, target: "within 1.5× (linear), < 10 µs" });
    rows.push([shape.name, `${median(samples.long).toFixed(2)} µs`, `${median(samples.short).toFixed(2)} µs`, `${((median(samples.long) * long.length) / DELTA / 1000).toFixed(0)} ms`]);
  }
  printTable("reasoning splitter, one long line in deltas of 3 characters (CPU time)", ["the line", "per delta, 150k line", "per delta, 10k line", "the whole 150k line"], rows);
}
