// The token ratios kept in the state dir (src/models/token-ratio-file.ts): what a later process reads,
// merged with what another process wrote meanwhile, and a damaged file set aside.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { HttpClient } from "../../src/ai/http/http-client.js";
import { ServedWindows } from "../../src/models/served-windows.js";
import { wholeTooLarge } from "../../src/models/whole-request-fit.js";
import { KEPT_RATIO_MAX_AGE_MS, keptRatioKey, tokenRatioFileIn } from "../../src/models/token-ratio-file.js";
import { createRouting } from "../../src/cli/wire-router.js";
import { serverError500 } from "../fakes/error-bodies.js";
import { startFakeServer } from "../fakes/fake-server.js";
import { completionsStream } from "../fakes/openai-completions-stream.js";
import { resolveText } from "../helpers/config.js";
import { ManualClock } from "../helpers/manual-clock.js";
import { chainFromServers, route } from "../helpers/routing.js";
import { tempDir } from "../helpers/run-cli.js";

const temp = tempDir();
after(() => temp.cleanup());

const [llama, other] = resolveText(`{ agents: { defaults: { model: { primary: "llama/m", fallbacks: ["other/m"] } } },
  models: { mode: "replace", providers: {
    llama: { baseUrl: "http://127.0.0.1:9/v1", api: "openai-completions", models: [{ id: "m", contextWindow: 2048, maxTokens: 256 }] },
    other: { baseUrl: "http://127.0.0.1:10/v1", api: "openai-completions", models: [{ id: "m", contextWindow: 2048, maxTokens: 256 }] } } } }`).chain.map((entry) => entry.model);

test("a ratio counted by one process is the next one's until its own count; another process's model is kept beside it", () => {
  const dir = join(temp.dir, "merge");
  const http = new HttpClient();
  try {
    const first = new ServedWindows(http, undefined, tokenRatioFileIn(dir));
    const second = new ServedWindows(http, undefined, tokenRatioFileIn(dir));
    assert.equal(first.tokenCount(llama as never), "estimated");
    first.learnTokens(llama as never, 100, 250);
    // The second process, started before the first wrote, reads the file at its first need.
    second.learnTokens(other as never, 100, 120);
    const later = new ServedWindows(http, undefined, tokenRatioFileIn(dir));
    assert.equal(later.tokenRatio(llama as never), 2.5);
    assert.equal(later.tokenCount(llama as never), "kept");
    assert.equal(later.tokenRatio(other as never), 1.2, "both processes' models are in the file");
    // A fresh count replaces the kept one, in this process and the file.
    later.learnTokens(llama as never, 100, 300);
    assert.equal(later.tokenCount(llama as never), "counted");
    assert.equal(new ServedWindows(http, undefined, tokenRatioFileIn(dir)).tokenRatio(llama as never), 3);
  } finally {
    http.destroy();
  }
});

test("a file that is not what hearth writes is set aside, with a warning, and counts start afresh", () => {
  const dir = join(temp.dir, "bad");
  const warnings: string[] = [];
  const file = tokenRatioFileIn(dir, { onWarning: (line) => warnings.push(line) });
  file.save("llama/m", { ratio: 2, at: Date.now() });
  writeFileSync(join(dir, "token-ratios.json"), JSON.stringify({ "llama/m": { ratio: 40, at: Date.now() } }));
  assert.deepEqual(file.load(), {});
  assert.match(warnings[0] ?? "", /token-ratios\.json is not a valid token ratios file .*moved it to .*token-ratios\.json\.bad-/);
  assert.equal(existsSync(join(dir, "token-ratios.json")), false);
  assert.equal(readdirSync(dir).filter((name) => name.startsWith("token-ratios.json.bad-")).length, 1);
  file.save("llama/m", { ratio: 2, at: Date.now() });
  assert.equal((JSON.parse(readFileSync(join(dir, "token-ratios.json"), "utf8")) as Record<string, { ratio: number }>)["llama/m"]?.ratio, 2);
});

test("a lock left by a process killed a moment ago: the ratio is written without it, said once; a killed process's temporary file is removed at start", () => {
  const dir = join(temp.dir, "left");
  mkdirSync(dir, { recursive: true });
  const path = join(dir, "token-ratios.json");
  const dead = execFileSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
  writeFileSync(`${path}.${dead}.tmp`, "{");
  mkdirSync(`${path}.lock`);
  const warnings: string[] = [];
  const file = tokenRatioFileIn(dir, { onWarning: (line) => warnings.push(line) });
  assert.equal(existsSync(`${path}.${dead}.tmp`), false, "the killed process's temporary file is removed");
  file.save("llama/m", { ratio: 2, at: Date.now() });
  file.save("other/m", { ratio: 1.5, at: Date.now() });
  assert.deepEqual(Object.keys(file.load()).sort(), ["llama/m", "other/m"]);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0] ?? "", /token-ratios\.json was written without its lock — .*token-ratios\.json\.lock is held/);
});

// s22 review #2: a kept ratio was keyed by the ref alone, never aged, trusted like a fresh count, and a file with a
// field more (a newer hearth's) was set aside.
test("a kept ratio is its server's: the same ref on another server, or one counted over three days ago, counts anew", () => {
  const dir = join(temp.dir, "keyed");
  const http = new HttpClient();
  try {
    new ServedWindows(http, undefined, tokenRatioFileIn(dir)).learnTokens(llama as never, 100, 250);
    assert.equal(new ServedWindows(http, undefined, tokenRatioFileIn(dir)).tokenRatio(llama as never), 2.5);
    const elsewhere = { ...(llama as object), baseUrl: "http://127.0.0.1:11/v1", replicas: ["http://127.0.0.1:11/v1"] };
    const moved = new ServedWindows(http, undefined, tokenRatioFileIn(dir));
    assert.equal(moved.tokenCount(elsewhere as never), "estimated", "the config points llama/m at another server");
    assert.equal(moved.tokenRatio(elsewhere as never), 1);
    const later = (days: number) => new ServedWindows(http, undefined, tokenRatioFileIn(dir, { now: () => Date.now() + days * 24 * 60 * 60 * 1000 }));
    assert.equal(later(2).tokenRatio(llama as never), 2.5, "two days on it is still used");
    assert.equal(later(3.1).tokenCount(llama as never), "estimated", "past KEPT_RATIO_MAX_AGE_MS it is not");
    assert.equal(KEPT_RATIO_MAX_AGE_MS, 3 * 24 * 60 * 60 * 1000);
    // The next write drops it from the file.
    const file = tokenRatioFileIn(dir, { now: () => Date.now() + 4 * 24 * 60 * 60 * 1000 });
    file.save(keptRatioKey("other/m", "http://127.0.0.1:10/v1"), { ratio: 1.5, at: Date.now() + 4 * 24 * 60 * 60 * 1000 });
    assert.deepEqual(Object.keys(JSON.parse(readFileSync(join(dir, "token-ratios.json"), "utf8")) as object), ["other/m http://127.0.0.1:10/v1"]);
  } finally {
    http.destroy();
  }
});

test("before any call a kept ratio counts a prompt at most at the plain estimate; one counted in this process as it is", () => {
  const dir = join(temp.dir, "judging");
  const http = new HttpClient();
  try {
    new ServedWindows(http, undefined, tokenRatioFileIn(dir)).learnTokens(llama as never, 100, 400);
    const next = new ServedWindows(http, undefined, tokenRatioFileIn(dir));
    assert.equal(next.tokenRatio(llama as never), 4, "planning goes by it");
    assert.equal(next.judgingRatio(llama as never), 1, "refusing or skipping does not");
    next.learnTokens(llama as never, 100, 300);
    assert.equal(next.judgingRatio(llama as never), 3);
    const small = new ServedWindows(http, undefined, tokenRatioFileIn(join(temp.dir, "judging-small")));
    small.learnTokens(other as never, 100, 50);
    assert.equal(new ServedWindows(http, undefined, tokenRatioFileIn(join(temp.dir, "judging-small"))).judgingRatio(other as never), 0.5);
  } finally {
    http.destroy();
  }
});

test("a file with fields a newer hearth added is read, not set aside", () => {
  const dir = join(temp.dir, "newer");
  const warnings: string[] = [];
  const file = tokenRatioFileIn(dir, { onWarning: (line) => warnings.push(line) });
  file.save("llama/m", { ratio: 2, at: Date.now() });
  const where = keptRatioKey("llama/m", "http://127.0.0.1:9/v1");
  writeFileSync(join(dir, "token-ratios.json"), JSON.stringify({ [where]: { ratio: 2, at: Date.now(), served: "m.gguf", tokenizer: "bpe" } }));
  assert.equal(file.load()[where]?.ratio, 2);
  assert.deepEqual(warnings, []);
  assert.equal(existsSync(join(dir, "token-ratios.json")), true);
});

test("proxy mode: a request passed on whole is not skipped as too large for a server by a ratio only kept from an earlier process", () => {
  const dir = join(temp.dir, "whole");
  const http = new HttpClient();
  try {
    new ServedWindows(http, undefined, tokenRatioFileIn(dir)).learnTokens(llama as never, 100, 400);
    // About 1,000 tokens at four characters a token: 4,000 at the kept ratio, past the 2,048 window.
    const context = { messages: [{ role: "user" as const, content: "word ".repeat(800) }] };
    const source = { toolsOff: () => false, maxTokens: undefined };
    const next = new ServedWindows(http, undefined, tokenRatioFileIn(dir));
    assert.equal(wholeTooLarge(llama as never, context, { ...source, windows: next }), undefined, "sent: its reply counts anew");
    next.learnTokens(llama as never, 100, 400);
    assert.match(wholeTooLarge(llama as never, context, { ...source, windows: next }) ?? "", /llama\/m/, "a ratio counted in this process still skips it");
  } finally {
    http.destroy();
  }
});

// s23: a reply's count was kept under the model's first baseUrl, whichever replica answered it.
test("two replicas: the count is kept under the replica that answered, and read for the replica about to be called", async () => {
  const dir = join(temp.dir, "replicas");
  const first = await startFakeServer(() => serverError500);
  const second = await startFakeServer(() => ({ kind: "sse", frames: completionsStream({ text: "an answer", usage: { input: 250, output: 3 } }) }));
  const http = new HttpClient();
  try {
    const [model] = chainFromServers({ local: [first.baseUrl, second.baseUrl] });
    assert.ok(model);
    // A prompt of about 100 estimated tokens (the server counts 250): long enough to say something of the tokenizer.
    const context = { messages: [{ role: "user" as const, content: "The quick brown fox jumps over the lazy dog. ".repeat(9) }] };
    const routing = createRouting({ http, clock: new ManualClock(), stateDir: dir });
    const result = await route(routing.router, { chain: [model], context });
    assert.deepEqual(result.outcomes, ["local/m server-error", "local/m ok"], "the first replica failed, the second answered");
    assert.equal(second.requests.filter((request) => request.method === "POST").length, 1, "the second replica answered");
    const kept = JSON.parse(readFileSync(join(dir, "token-ratios.json"), "utf8")) as Record<string, { ratio: number }>;
    assert.deepEqual(Object.keys(kept), [keptRatioKey("local/m", second.baseUrl)], "kept under the replica that answered, not the model's first baseUrl");
    const counted = kept[keptRatioKey("local/m", second.baseUrl)]?.ratio ?? 0;
    assert.ok(counted > 2 && counted < 3, `the ratio ${counted}`);
    // In this process too: the count is the second replica's.
    assert.equal(routing.windows.hasTokenRatio({ ...model, baseUrl: second.baseUrl }), true);
    assert.equal(routing.windows.hasTokenRatio({ ...model, baseUrl: first.baseUrl }), false);
    // A later process: each replica is read its own count first; one that counted nothing reads its sibling's.
    const later = new ServedWindows(http, undefined, tokenRatioFileIn(dir));
    assert.equal(later.tokenRatio({ ...model, baseUrl: second.baseUrl }), counted);
    assert.equal(later.tokenRatio({ ...model, baseUrl: first.baseUrl }), counted, "the first replica has none of its own: its sibling's");
    tokenRatioFileIn(dir).save(keptRatioKey("local/m", first.baseUrl), { ratio: 1.5, at: Date.now() });
    const afterBoth = new ServedWindows(http, undefined, tokenRatioFileIn(dir));
    assert.equal(afterBoth.tokenRatio({ ...model, baseUrl: first.baseUrl }), 1.5, "the first replica's own");
    assert.equal(afterBoth.tokenRatio({ ...model, baseUrl: second.baseUrl }), counted, "the second replica's own");
    // Counted in this process by one replica: the other, about to be called, reads its own kept count, not its sibling's.
    afterBoth.learnTokens({ ...model, baseUrl: second.baseUrl }, 100, 300);
    assert.equal(afterBoth.tokenRatio({ ...model, baseUrl: second.baseUrl }), 3);
    assert.equal(afterBoth.tokenRatio({ ...model, baseUrl: first.baseUrl }), 1.5);
  } finally {
    http.destroy();
    await Promise.all([first.close(), second.close()]);
  }
});
