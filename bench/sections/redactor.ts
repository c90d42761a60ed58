import { SecretRedactor } from "../../src/shared/secret-redactor.js";
import { SecretStream } from "../../src/shared/secret-stream.js";
import type { BenchResults } from "../results.js";
import { median, printTable } from "../stats.js";

/** Keys of the lengths providers hand out, a header value and a URL password with its percent-encoded copy. */
const SECRETS = [
  "sk-proj-AbCdEf0123456789GhIjKlMnOpQrStUvWxYz0123456789abcd",
  "sk-ant-api03-ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210zyxwvutsrqponml",
  "sk-or-v1-0123456789abcdef0123456789abcdef0123456789abcdef0123456789ab",
  "canary-header-value-41d2e8",
  "p@ss/word-0123",
  "p%40ss%2Fword-0123",
];
const WORDS = [" the", " answer", " is", " forty-two,", " and", " a ", "function(x) { return x * 2; }", "\n\n", "Qwen3 says hello"];
const DELTAS = Array.from({ length: 2000 }, (_, index) => WORDS[index % WORDS.length] as string);
const PAGE = "lorem ipsum dolor sit amet, consectetur adipiscing elit ".repeat(200);
/** Code of many short tokens (a tool's output of source, a diff): six short words in a row on every line, what sent all of it to the normal form before the prefilter (secret-prefilter.ts). */
const CODE_LINES = [
  "for (let i = 0; i < n; i++) {",
  "  if (a[i] > b[j] && c != d) x = y + z * 2 - k / m;",
  "  const { p, q } = f(i, j, 0x1f, -1);",
  "  s.t.u = v ? w : e; // i j k l m",
  "}",
];
const CODE = Array.from({ length: 400 }, (_, index) => CODE_LINES[index % CODE_LINES.length] as string).join("\n").slice(0, PAGE.length);

/** Text that only looks like a hex dump (a page of hashes, `00000000 …`): what made the redactor's time grow with the square of the text. */
const DUMP_LIKE = Array.from({ length: 1240 }, (_, index) => ((index * 2654435761) >>> 0).toString(16).padStart(8, "0")).join(" ");
const DUMP_LIKE_DELTAS = Array.from({ length: 2000 }, (_, index) => `${((index * 2654435761) >>> 0).toString(16).padStart(8, "0")} `);

/** CPU microseconds per call of `work`, over `calls` calls. */
function cpuMicroseconds(calls: number, work: () => void): number {
  const started = process.cpuUsage();
  work();
  const used = process.cpuUsage(started);
  return (used.user + used.system) / calls;
}

/** What the gateway does per streamed delta (hold back a possible secret's or key shape's start, mask the rest): its SecretStream. */
function streamDeltas(redactor: SecretRedactor, deltas: readonly string[] = DELTAS): void {
  const stream = new SecretStream(redactor);
  for (const delta of deltas) stream.push(delta);
  stream.end();
}

/**
 * Text that only looks like a dump, by CPU time: 11 kB and ten times as much (per 11 kB: linear when the
 * two are alike), and streamed a word a delta, beside ordinary text of the same size and deltas.
 */
function benchDumpLike(results: BenchResults, known: SecretRedactor, runs: number): void {
  const big = Array.from({ length: 10 }, () => DUMP_LIKE).join(" ");
  const samples = { page: [] as number[], big: [] as number[], ordinary: [] as number[], delta: [] as number[], ordinaryDelta: [] as number[] };
  for (let run = 0; run < runs + 2; run++) {
    const page = cpuMicroseconds(20, () => {
      for (let index = 0; index < 20; index++) known.redact(DUMP_LIKE);
    });
    const whole = cpuMicroseconds(10, () => known.redact(big));
    const ordinary = cpuMicroseconds(20, () => {
      for (let index = 0; index < 20; index++) known.redact(PAGE);
    });
    const delta = cpuMicroseconds(DUMP_LIKE_DELTAS.length, () => streamDeltas(known, DUMP_LIKE_DELTAS));
    const ordinaryDelta = cpuMicroseconds(DELTAS.length, () => streamDeltas(known));
    if (run < 2) continue;
    samples.page.push(page);
    samples.big.push(whole);
    samples.ordinary.push(ordinary);
    samples.delta.push(delta);
    samples.ordinaryDelta.push(ordinaryDelta);
  }
  results.add({ section: "redactor", name: `${(DUMP_LIKE.length / 1000).toFixed(1)} kB of words that look like a dump's (hashes), six secrets known`, unit: "µs CPU", samples: samples.page, reference: { name: "as much ordinary text", samples: samples.ordinary } });
  results.add({ section: "redactor", name: `${(big.length / 1000).toFixed(0)} kB of them, per 11 kB`, unit: "µs CPU", samples: samples.big.map((each) => (each * DUMP_LIKE.length) / big.length), reference: { name: "11 kB of them", samples: samples.page }, target: "within 1.5× (linear)" });
  printTable("secret redactor, text that looks like a dump (CPU time, six secrets known)", ["work", "these words", "ordinary text"], [
    [`${(DUMP_LIKE.length / 1000).toFixed(1)} kB`, `${median(samples.page).toFixed(1)} µs`, `${median(samples.ordinary).toFixed(1)} µs`],
    [`${(big.length / 1000).toFixed(0)} kB, per 11 kB`, `${((median(samples.big) * DUMP_LIKE.length) / big.length).toFixed(1)} µs`, ""],
    ["one streamed delta", `${median(samples.delta).toFixed(2)} µs`, `${median(samples.ordinaryDelta).toFixed(2)} µs`],
  ]);
  results.add({ section: "redactor", name: "one streamed delta of them, six secrets known", unit: "µs CPU", samples: samples.delta, reference: { name: "an ordinary delta", samples: samples.ordinaryDelta }, target: "< 250 µs (2.5% of a token's time at 100 tokens/s)" });
}

/**
 * The secret redactor's cost by CPU time (wall-clock is noisy on a shared machine): per streamed delta
 * and per 11 kB of text (a tool's output, a session entry), knowing six secrets (each in its plain,
 * hex and base64 forms) beside one knowing none (key-shaped tokens only).
 */
export function benchRedactor(results: BenchResults, runs = 30): void {
  const known = new SecretRedactor(SECRETS);
  const none = new SecretRedactor();
  const samples = { delta: [] as number[], deltaNone: [] as number[], page: [] as number[], pageNone: [] as number[], code: [] as number[], codeNone: [] as number[] };
  for (let run = 0; run < runs + 3; run++) {
    const delta = cpuMicroseconds(DELTAS.length, () => streamDeltas(known));
    const deltaNone = cpuMicroseconds(DELTAS.length, () => streamDeltas(none));
    const page = cpuMicroseconds(200, () => {
      for (let index = 0; index < 200; index++) known.redact(PAGE);
    });
    const pageNone = cpuMicroseconds(200, () => {
      for (let index = 0; index < 200; index++) none.redact(PAGE);
    });
    const code = cpuMicroseconds(200, () => {
      for (let index = 0; index < 200; index++) known.redact(CODE);
    });
    const codeNone = cpuMicroseconds(200, () => {
      for (let index = 0; index < 200; index++) none.redact(CODE);
    });
    // The first runs warm the JIT up.
    if (run < 3) continue;
    samples.delta.push(delta);
    samples.deltaNone.push(deltaNone);
    samples.page.push(page);
    samples.pageNone.push(pageNone);
    samples.code.push(code);
    samples.codeNone.push(codeNone);
  }
  results.add({ section: "redactor", name: "one streamed delta, six secrets known", unit: "µs CPU", samples: samples.delta, reference: { name: "no secret known", samples: samples.deltaNone }, target: "< 5 µs" });
  results.add({ section: "redactor", name: `${(PAGE.length / 1000).toFixed(1)} kB of text, six secrets known`, unit: "µs CPU", samples: samples.page, reference: { name: "no secret known", samples: samples.pageNone }, target: "< 100 µs" });
  results.add({ section: "redactor", name: `${(CODE.length / 1000).toFixed(1)} kB of code (short tokens), six secrets known`, unit: "µs CPU", samples: samples.code, reference: { name: "no secret known", samples: samples.codeNone }, target: "< 100 µs" });
  benchDumpLike(results, known, Math.max(5, Math.round(runs / 3)));
  printTable("secret redactor (CPU time)", ["work", "six secrets", "none known"], [
    ["one streamed delta", `${median(samples.delta).toFixed(2)} µs`, `${median(samples.deltaNone).toFixed(2)} µs`],
    [`${(PAGE.length / 1000).toFixed(1)} kB of text`, `${median(samples.page).toFixed(1)} µs`, `${median(samples.pageNone).toFixed(1)} µs`],
    [`${(CODE.length / 1000).toFixed(1)} kB of code`, `${median(samples.code).toFixed(1)} µs`, `${median(samples.codeNone).toFixed(1)} µs`],
  ]);
}
