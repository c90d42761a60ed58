// The token ratios kept in the state dir (src/models/token-ratio-file.ts): what a later process reads,
// merged with what another process wrote meanwhile, and a damaged file set aside.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { HttpClient } from "../../src/ai/http/http-client.js";
import { ServedWindows } from "../../src/models/served-windows.js";
import { tokenRatioFileIn } from "../../src/models/token-ratio-file.js";
import { resolveText } from "../helpers/config.js";
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
