// A model server on 127.0.0.1 that echoes the config's key in each form a trial found passing the
// mask (separated hex, wrapped base64, percent- and JSON-escaped, spaced out): what a client sees of
// it — the gateway's streamed answers, agent and proxied, and `hearth agent`'s output and errors —
// has the key masked in every form.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { normalForm } from "../../src/shared/secret-normal-form.js";
import { startFakeServer, type FakeServer } from "../fakes/fake-server.js";
import { runCli, tempDir } from "../helpers/run-cli.js";
import { startGateway, type RunningGateway } from "../helpers/run-gateway.js";
import { hexOf, keyForms } from "../helpers/secret-forms.js";
import { lastUser, scriptedModel } from "../helpers/scripted-model.js";

// Not key-shaped (no "sk-…"): only knowing the value can mask it.
const KEY = "canary-Forms-5d8e2b7c91af";
const FORMS = keyForms(KEY);
const ANSWER = Object.entries(FORMS)
  .map(([name, form]) => `${name}: ${form}`)
  .join("\n\n");

/** The forms in groups a refusal quotes whole (a failure's message quotes 300 characters of the server's words). */
const REFUSALS = Object.entries(FORMS).reduce<string[][]>((groups, [name, form]) => {
  const paragraph = `${name}: ${form}`;
  const last = groups[groups.length - 1];
  if (last && [...last, paragraph].join("\n\n").length <= 240) last.push(paragraph);
  else groups.push([paragraph]);
  return groups;
}, []);

/** Pieces of the key's middle in each encoding: any of them in the normal form of what a client saw is a leak. */
const TELLTALES = [
  KEY.slice(6, 18).toLowerCase(),
  hexOf(KEY).slice(12, 36),
  ...[0, 1, 2].map((offset) => Buffer.from(`${"x".repeat(offset)}${KEY}`).toString("base64").slice(6, 18)),
];

/** Every form's paragraph (of those named) masked, and nothing of the key left in any encoding. */
function assertMasked(where: string, text: string, names = Object.keys(FORMS)): void {
  const normal = normalForm(text);
  for (const telltale of TELLTALES) assert.ok(!normal.toLowerCase().includes(telltale.toLowerCase()), `${where} shows ${telltale}:\n${text}`);
  for (const name of names) {
    const paragraph = text.split(/\n\n/).find((each) => each.startsWith(`${name}: `));
    assert.ok(paragraph?.includes("***"), `${where}: ${name} is not masked:\n${paragraph ?? text}`);
  }
}

describe("a key a server echoes in any form reaches no client", { timeout: 120_000 }, () => {
  const temp = tempDir();
  let server: FakeServer;
  let gateway: RunningGateway;
  let file: string;
  const env = { HEARTH_STATE_DIR: join(temp.dir, "state"), CANARY_KEY: KEY };

  before(async () => {
    server = await startFakeServer(
      scriptedModel("openai-completions", (turns) => {
        // A failure's message quotes 300 characters of the server's words: here the cut falls inside the key.
        if (lastUser(turns) === "refuse clipped") return { reply: { kind: "json", status: 401, body: { error: { message: `Incorrect API key provided: ${".".repeat(249)}${KEY} and more words`, code: "invalid_api_key" } } } };
        const refusal = /^refuse (\d+)$/.exec(lastUser(turns));
        if (refusal) return { reply: { kind: "json", status: 401, body: { error: { message: `Incorrect API key provided:\n\n${(REFUSALS[Number(refusal[1])] ?? []).join("\n\n")}`, type: "invalid_request_error", code: "invalid_api_key" } } } };
        return { text: ANSWER };
      }),
    );
    file = temp.write(
      "hearth.json5",
      `{ agents: { defaults: { model: { primary: "local/m" } } },
  models: { mode: "replace", providers: { local: { baseUrl: "${server.baseUrl}", api: "openai-completions", apiKey: "\${CANARY_KEY}", models: [{ id: "m", contextWindow: 32768, maxTokens: 1024 }] } } } }`,
    );
    gateway = await startGateway(["--config", file], env);
  });
  after(async () => {
    await gateway.stop();
    await server.close();
    temp.cleanup();
  });

  const streamedAnswer = async (model: string): Promise<string> => {
    const reply = await fetch(`${gateway.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model, stream: true, messages: [{ role: "user", content: "show me" }] }) });
    assert.equal(reply.status, 200);
    const frames = await reply.text();
    return frames
      .split("\n")
      .filter((line) => line.startsWith("data: {"))
      .map((line) => (JSON.parse(line.slice(6)) as { choices: { delta: { content?: string } }[] }).choices[0]?.delta.content ?? "")
      .join("");
  };

  test("the gateway's streamed answer, the agent's and a proxied model's: every form masked", async () => {
    assertMasked("the agent's streamed answer", await streamedAnswer("hearth"));
    assertMasked("the proxied stream", await streamedAnswer("local/m"));
    // The server really sent each form, in pieces (the key was in play).
    assert.ok(server.requests.some((request) => request.headers.authorization === `Bearer ${KEY}`));
  });

  test("hearth agent's answer and its error quoting the key: every form masked", async () => {
    const answer = await runCli(["agent", "--config", file, "--message", "show me"], { env });
    assert.equal(answer.code, 0, answer.stderr);
    assertMasked("hearth agent", answer.stdout);
    for (const [index, group] of REFUSALS.entries()) {
      const refused = await runCli(["agent", "--config", file, "--message", `refuse ${index}`], { env });
      assert.equal(refused.code, 1);
      assertMasked("hearth agent's error", refused.stderr, group.map((paragraph) => paragraph.slice(0, paragraph.indexOf(": "))));
    }
    const clipped = await runCli(["agent", "--config", file, "--message", "refuse clipped"], { env });
    assert.match(clipped.stderr, /Incorrect API key provided: \.+\*\*\* and more words/);
    assertMasked("hearth agent's clipped error", clipped.stderr, []);
  });
});
