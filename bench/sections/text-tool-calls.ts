import { TextToolCallExtractor } from "../../src/ai/text-tool-calls.js";
import type { BenchResults } from "../results.js";
import { median, printTable } from "../stats.js";

/** One line of minified JSON whose every record holds `note`. */
function jsonLine(length: number, note: string): string {
  const records: string[] = [];
  let total = 0;
  for (let index = 0; total < length; index++) {
    const record = `{"id":${index},"name":"item ${index}","note":"${note}","ok":true}`;
    records.push(record);
    total += record.length + 1;
  }
  return `[${records.join(",")}]`.slice(0, length);
}

const LOOK_ALIKES = "x < y; see <tool_call> or <function=b> or [TOOL_CALLS] or <|python_tag|> here";

const PLAIN = "x < y [i] \\\\ z";

interface Shape {
  name: string;
  /** What every record of the line says. */
  note: string;
  output: (line: string) => string;
}

/** How the line comes: prose without a marker, prose quoting markers mid-line, a call's argument. */
const SHAPES: readonly Shape[] = [
  { name: "no marker", note: PLAIN, output: (line) => line },
  { name: "look-alike markers mid-line", note: LOOK_ALIKES, output: (line) => line },
  { name: "a Hermes call's argument", note: PLAIN, output: (line) => `<tool_call>\n{"name": "write", "arguments": ${JSON.stringify({ content: line })}}\n</tool_call>` },
];

/** CPU microseconds to extract `output` pushed `deltaSize` characters at a time (the whole output at once when it is its length). */
function cpuMicroseconds(output: string, deltaSize: number): number {
  const extractor = new TextToolCallExtractor();
  const started = process.cpuUsage();
  for (let start = 0; start < output.length; start += deltaSize) extractor.push(output.slice(start, start + deltaSize));
  extractor.finish();
  const used = process.cpuUsage(started);
  return used.user + used.system;
}

const DELTA = 3;

/** Samples of `measure` after one run that warms the JIT up. */
function sampled(runs: number, measure: () => number): number[] {
  const samples: number[] = [];
  for (let run = 0; run < runs + 1; run++) {
    const value = measure();
    if (run > 0) samples.push(value);
  }
  return samples;
}

/**
 * The extractor of tool calls written as text on one long line: CPU time per streamed delta of 3 characters, a
 * 150k line beside a 10k one, and a reply given whole (not streamed) of 1M characters beside one of 100k, per
 * 100k. Linear, each pair is alike; a whole reply full of look-alike markers mid-line used to cost its length
 * once per marker (1M characters: 10.6 s), and a broken call with a run of blank lines its run cubed (2,000: 4.3 s).
 */
export function benchTextToolCalls(results: BenchResults, runs = 5): void {
  const rows: string[][] = [];
  for (const shape of SHAPES) {
    const long = shape.output(jsonLine(150_000, shape.note));
    const short = shape.output(jsonLine(10_000, shape.note));
    const streamedLong = sampled(runs, () => cpuMicroseconds(long, DELTA) / Math.ceil(long.length / DELTA));
    const streamedShort = sampled(runs, () => cpuMicroseconds(short, DELTA) / Math.ceil(short.length / DELTA));
    results.add({ section: "text-tool-calls", name: `one delta of a 150k line, ${shape.name}`, unit: "µs CPU", samples: streamedLong, reference: { name: "of a 10k line", samples: streamedShort }, target: "within 1.5× (linear), < 10 µs" });
    const wholeLong = shape.output(jsonLine(1_000_000, shape.note));
    const wholeShort = shape.output(jsonLine(100_000, shape.note));
    const givenLong = sampled(runs, () => cpuMicroseconds(wholeLong, wholeLong.length) / 1000 / 10);
    const givenShort = sampled(runs, () => cpuMicroseconds(wholeShort, wholeShort.length) / 1000);
    results.add({ section: "text-tool-calls", name: `a 1M reply given whole, per 100k, ${shape.name}`, unit: "ms CPU", samples: givenLong, reference: { name: "a 100k reply", samples: givenShort }, target: "within 1.5× (linear)" });
    rows.push([shape.name, `${median(streamedLong).toFixed(2)} µs`, `${median(streamedShort).toFixed(2)} µs`, `${median(givenLong).toFixed(2)} ms`, `${median(givenShort).toFixed(2)} ms`]);
  }
  const broken = (blankLines: number) => `<|python_tag|>{"name": "write", "parameters": {"content": "a${"\n".repeat(blankLines)}`;
  const manyBlank = broken(20_000);
  const fewBlank = broken(2_000);
  const brokenLong = sampled(runs, () => cpuMicroseconds(manyBlank, manyBlank.length) / 1000 / 10);
  const brokenShort = sampled(runs, () => cpuMicroseconds(fewBlank, fewBlank.length) / 1000);
  results.add({ section: "text-tool-calls", name: "a broken call cut in 20,000 blank lines, per 2,000", unit: "ms CPU", samples: brokenLong, reference: { name: "one cut in 2,000", samples: brokenShort }, target: "within 1.5× (linear), < 1 ms" });
  rows.push(["a broken call cut in blank lines (20,000 vs 2,000)", "", "", `${median(brokenLong).toFixed(3)} ms`, `${median(brokenShort).toFixed(3)} ms`]);
  printTable("tool calls written as text, one long line (CPU time)", ["the line", "per delta, 150k", "per delta, 10k", "whole 1M, per 100k", "whole 100k"], rows);
}
