// t15 #11: after a restart, or while the server is down, a prompt's size fell back to four characters a
// token (2.5× low for the real llama-server). The ratio its server counted (its /tokenize here) is kept in
// the state dir and used by the next process until its server counts again; where none was ever counted,
// `/status` says the size is an estimate.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { startFakeServer } from "../fakes/fake-server.js";
import { startLlamaCpp } from "../fakes/llamacpp-server.js";
import { runCli, tempDir } from "../helpers/run-cli.js";
import { scriptedModel } from "../helpers/scripted-model.js";

const temp = tempDir();
after(() => temp.cleanup());

/** The count /status gives ("context: [bar] N / M tokens the prompt may use …"), and the whole line. */
async function status(file: string, stateDir: string, session: string): Promise<{ used: number; line: string }> {
  const result = await runCli(["agent", "--config", file, "--session", session, "-m", "/status"], { env: { HEARTH_STATE_DIR: stateDir } });
  assert.equal(result.code, 0, result.stderr);
  const line = /^context: .*$/m.exec(result.stdout)?.[0] ?? `(no context line in: ${result.stdout})`;
  const used = Number(/\] ([\d,]+) \//.exec(line)?.[1]?.replace(/,/g, "") ?? Number.NaN);
  return { used, line };
}

test("the token ratio its server counted outlives the process: a restart with the server down counts the prompt as the server did; a state dir that never saw a count says 'estimated'", { timeout: 60_000 }, async () => {
  // The server counts 2.5 tokens where hearth's estimate says one (the real llama-server with the tiny model, for prose).
  // Its template takes tools (a server that cannot would have the tools left out of the prompt, which a down server cannot say).
  const server = await startLlamaCpp({ tokenize: (text) => Math.ceil((text.length / 4) * 2.5), supportsTools: true });
  const file = temp.write("hearth.json5", `{ agents: { defaults: { model: "llama/stories260k" } }, models: { mode: "replace", providers: { llama: { baseUrl: "${server.baseUrl}", api: "openai-completions", models: [{ id: "stories260k", contextWindow: 2048, maxTokens: 256 }] } } } }`);
  const kept = join(temp.dir, "kept");
  let counted: { used: number; line: string };
  try {
    counted = await status(file, kept, "first");
  } finally {
    await server.close();
  }
  assert.doesNotMatch(counted.line, /estimated/, counted.line);
  const ratios = join(kept, "token-ratios.json");
  assert.ok(existsSync(ratios), "the counted ratio is written to the state dir");
  // Kept as its server's: the ref and the replica that counted.
  const ratio = (JSON.parse(readFileSync(ratios, "utf8")) as Record<string, { ratio: number }>)[`llama/stories260k ${server.baseUrl.replace(/\/+$/, "")}`]?.ratio ?? 0;
  assert.ok(ratio > 2.4 && ratio <= 2.5, `about 2.5 server tokens an estimated one: ${ratio}`);

  // A new process, the server gone: the same prompt is counted as the server counted it, not estimated.
  const restarted = await status(file, kept, "second");
  assert.equal(restarted.used, counted.used, `${counted.line}\n${restarted.line}`);
  assert.doesNotMatch(restarted.line, /estimated/, restarted.line);

  // A state dir that never saw a count: the plain estimate, said to be one (and well below the server's count).
  const fresh = await status(file, join(temp.dir, "fresh"), "third");
  assert.match(fresh.line, /estimated at 4 characters a token \(its server has not counted a prompt yet\)/, fresh.line);
  assert.ok(fresh.used * 2 < counted.used, `${fresh.line}\n${counted.line}`);
});

// s22 review #2: a kept ratio (a wrong one: a reply's clamped usage, an image-heavy request) refused a message as
// larger than every window before any call, so no reply ever came to count it anew, and a restart did not help.
test("a ratio kept from an earlier process does not refuse a message before the call that would count it anew", { timeout: 60_000 }, async () => {
  const server = await startFakeServer(scriptedModel("openai-completions", () => ({ text: "read it" })));
  try {
    const file = temp.write("kept-high.json5", `{ agents: { defaults: { model: "lm/m" } }, models: { mode: "replace", providers: { lm: { baseUrl: "${server.baseUrl}", api: "openai-completions", models: [{ id: "m", contextWindow: 8192, maxTokens: 256 }] } } } }`);
    const stateDir = join(temp.dir, "kept-high");
    mkdirSync(stateDir, { recursive: true });
    // 4 server tokens an estimated one, as an earlier process kept it (in this hearth's key and an older one's).
    const kept = { ratio: 4, at: Date.now() };
    writeFileSync(join(stateDir, "token-ratios.json"), JSON.stringify({ "lm/m": kept, [`lm/m ${server.baseUrl.replace(/\/+$/, "")}`]: kept }));
    // About 2,500 tokens at four characters a token: 10,000 at the kept ratio, past the 8,192 window.
    const message = "The quick brown fox jumps over the lazy dog near the river bank today. ".repeat(140);
    const result = await runCli(["agent", "--config", file, "-m", message], { env: { HEARTH_STATE_DIR: stateDir } });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, "read it\n");
    assert.equal(server.requests.filter((request) => request.method === "POST").length, 1, "the call was made");
  } finally {
    await server.close();
  }
});
