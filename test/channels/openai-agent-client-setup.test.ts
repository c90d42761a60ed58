// Agent mode ("hearth") answers with its own system prompt and tools. A client's `tools` (and a
// tool_choice other than auto/none) are refused with a 400 naming the field (t1 finding 7): the client
// would wait for tool calls that never come. A client's `instructions` and `system`/`developer` messages —
// which editor assistants always send — are left out and the request is answered, and the reply says what
// was left out (t13 finding 3), as are the temperature and reasoning an agent takes from its config:
// on both endpoints, streaming or not, with the official `openai` SDK — never dropped without a word.
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, test } from "node:test";
import OpenAI from "openai";
import { lastUser, scriptedModel } from "../helpers/scripted-model.js";
import { apiSetup, type ApiSetup } from "./openai-setup.js";

const TOOL = { type: "function" as const, function: { name: "my_tool", description: "the client's tool", parameters: { type: "object", properties: {} } } };
const RESPONSES_TOOL = { type: "function" as const, name: "my_tool", description: "the client's tool", parameters: { type: "object", properties: {} }, strict: false };

describe("agent mode: the client's own system prompt is left out and said, its tools refused", () => {
  let api: ApiSetup;
  beforeEach(async () => {
    api = await apiSetup();
    api.local.setHandler(scriptedModel("openai-completions", (turns) => ({ text: `you said ${lastUser(turns)}` })));
  });
  afterEach(() => api.close());

  const posts = (): number => api.local.requests.filter((request) => request.method === "POST").length + api.backup.requests.filter((request) => request.method === "POST").length;
  let turn = 0;
  /** A session of its own for each request: the same message twice on one session would be a regenerate (openai-agent-history.test.ts). */
  const session = (): { headers: Record<string, string> } => ({ headers: { "x-hearth-session": `setup-${++turn}` } });
  const refusal = (work: Promise<unknown>): Promise<unknown> => work.then(() => "answered", (error: unknown) => error);
  const sentUpstream = (): string => JSON.stringify(api.local.requests.filter((request) => request.method === "POST").at(-1)?.body);
  const SYSTEM_NOTE = "— an agent answers with its own system prompt (its config's), not beside a client's; name a model (proxy mode, GET /v1/models) to send yours";
  /** A stream's raw text (the SDK skips the `: hearth:` comments that carry its notices). */
  const rawStream = async (path: string, body: object): Promise<string> => {
    const response = await fetch(`${api.url}/v1/${path}`, { method: "POST", headers: { "content-type": "application/json", "x-hearth-session": `setup-stream-${++turn}` }, body: JSON.stringify({ ...body, stream: true }) });
    assert.equal(response.status, 200);
    return await response.text();
  };

  test("Chat Completions: system and developer messages are left out, the request answered and told; tools are refused", async () => {
    const { data, response } = await api.client.chat.completions.create({ model: "hearth", messages: [{ role: "system", content: "You are a pirate PIRATE2" }, { role: "user", content: "hi" }, { role: "developer", content: "be brief DEV2" }, { role: "user", content: "again" }] }, session()).withResponse();
    assert.equal(data.choices[0]?.message.content, "you said again");
    const notice = decodeURIComponent(response.headers.get("x-hearth-notice") ?? "");
    assert.ok(notice.split("\n").includes(`not sent on: messages[0] (system), messages[2] (developer) ${SYSTEM_NOTE}`), notice);
    assert.doesNotMatch(sentUpstream(), /PIRATE2|DEV2/, "the client's words never reach the model");
    // A stream says it in a `: hearth:` comment before its answer.
    const raw = await rawStream("chat/completions", { model: "hearth", messages: [{ role: "system", content: "PIRATE3" }, { role: "user", content: "hi" }] });
    assert.ok(raw.includes(`: hearth: not sent on: messages[0] (system) ${SYSTEM_NOTE}\n\n`), raw);
    assert.ok(raw.indexOf(": hearth: not sent on") < raw.indexOf("you said"));
    assert.doesNotMatch(sentUpstream(), /PIRATE3/);
    const before = posts();
    for (const stream of [false, true]) {
      const tools = await refusal(api.client.chat.completions.create({ model: "hearth", stream, tools: [TOOL], messages: [{ role: "user", content: "hi" }] }, session()));
      assert.ok(tools instanceof OpenAI.BadRequestError);
      assert.equal(tools.message, "400 tools: an agent runs its own tools and cannot hand a tool call back to the client, so it takes no tools; leave them out, or name a model (proxy mode, GET /v1/models) to send your own");
      assert.equal(tools.code, "unsupported_parameter");
    }
    assert.equal(posts(), before, "no model called for a refused request");
    // tool_choice "none" offers the tools to no model: nothing is lost, the agent answers.
    const none = await api.client.chat.completions.create({ model: "hearth", tools: [TOOL], tool_choice: "none", messages: [{ role: "user", content: "hi" }] }, session());
    assert.equal(none.choices[0]?.message.content, "you said hi");
    // Proxy mode carries them.
    const proxied = await api.client.chat.completions.create({ model: "Local", messages: [{ role: "system", content: "PIRATE2" }, { role: "user", content: "hi" }] });
    assert.equal(proxied.choices[0]?.message.content, "you said hi");
    assert.match(sentUpstream(), /PIRATE2/);
  });

  test("Responses: instructions and a system input item are left out, said in metadata.hearth_notice and x-hearth-notice; tools are refused", async () => {
    const { data, response } = await api.client.responses.create({ model: "hearth", instructions: "You are a pirate PIRATE1", input: [{ role: "system", content: "SYS1" }, { role: "user", content: "hi" }] }, session()).withResponse();
    assert.equal(data.output_text, "you said hi");
    const said = `not sent on: instructions, input[0] (system) ${SYSTEM_NOTE}`;
    assert.ok(decodeURIComponent(response.headers.get("x-hearth-notice") ?? "").split("\n").includes(said));
    assert.ok(String(data.metadata?.hearth_notice).split("\n").includes(said), String(data.metadata?.hearth_notice));
    assert.doesNotMatch(sentUpstream(), /PIRATE1|SYS1/);
    const raw = await rawStream("responses", { model: "hearth", instructions: "PIRATE4", input: "hi" });
    assert.ok(raw.includes(`: hearth: not sent on: instructions ${SYSTEM_NOTE}\n\n`), raw);
    assert.doesNotMatch(sentUpstream(), /PIRATE4/);
    for (const stream of [false, true]) {
      const tools = await refusal(api.client.responses.create({ model: "hearth", stream, tools: [RESPONSES_TOOL], input: "hi" }, session()));
      assert.ok(tools instanceof OpenAI.BadRequestError);
      assert.match(tools.message, /^400 tools: an agent runs its own tools and cannot hand a tool call back to the client/);
    }
    // Blank instructions ask for nothing: nothing to say.
    const { response: blank } = await api.client.responses.create({ model: "hearth", instructions: " ", input: "hi" }, session()).withResponse();
    assert.equal(blank.headers.get("x-hearth-notice"), null);
  });

  test("temperature and a reasoning effort or summary are the agent's config's: not sent on, and said", async () => {
    const settings = "— an agent calls its models with its config's settings (a model's params in agents.defaults.models); name a model (proxy mode, GET /v1/models) to send yours";
    const { response: chat } = await api.client.chat.completions.create({ model: "hearth", temperature: 0, reasoning_effort: "high", messages: [{ role: "user", content: "hi" }] }, session()).withResponse();
    assert.equal(decodeURIComponent(chat.headers.get("x-hearth-notice") ?? ""), `not sent on: temperature 0, reasoning_effort "high" ${settings}`);
    const upstream = api.local.requests.filter((request) => request.method === "POST").at(-1)?.body as Record<string, unknown>;
    assert.equal(upstream.temperature, undefined);
    assert.equal(upstream.reasoning_effort, undefined);
    const { data, response } = await api.client.responses.create({ model: "hearth", temperature: 1.5, reasoning: { effort: "none", summary: "detailed" }, input: "hi" }, session()).withResponse();
    assert.equal(decodeURIComponent(response.headers.get("x-hearth-notice") ?? ""), `not sent on: temperature 1.5, reasoning.effort "none", reasoning.summary "detailed" ${settings}`);
    assert.equal(data.output_text, "you said hi");
    // None of them set: nothing said.
    const { response: plain } = await api.client.chat.completions.create({ model: "hearth", messages: [{ role: "user", content: "hi" }] }, session()).withResponse();
    assert.equal(plain.headers.get("x-hearth-notice"), null);
  });
});
