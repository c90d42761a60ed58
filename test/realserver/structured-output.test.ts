// Structured output through proxy mode to the real llama-server (t13 #1): response_format json_schema (and
// a Responses client's text.format, moved to Chat Completions' response_format) reaches it as OpenAI writes
// it, and llama-server constrains its output with it — the tiny story model, which answers anything with a
// children's story, starts its answer as JSON of the schema. Without the format the same request is a story.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import OpenAI from "openai";
import { tempDir } from "../helpers/run-cli.js";
import { startGateway, type RunningGateway } from "../helpers/run-gateway.js";
import { realConfig } from "./config.js";
import { startRealServer, type RealServer } from "./real-server.js";

const schema = { type: "object", properties: { name: { type: "string" } }, required: ["name"], additionalProperties: false };
/** The start of a JSON object whose first key is "name" with a string value (the reply limit may cut the rest). */
const NAME_OBJECT = /^\s*\{\s*"name"\s*:\s*"/;

describe("proxy mode: structured output constrains the real llama-server's answer", () => {
  let server: RealServer;
  let gateway: RunningGateway;
  let client: OpenAI;
  const temp = tempDir();
  before(async () => {
    server = await startRealServer({});
    const file = temp.write("hearth.json5", realConfig(server, { maxTokens: 40 }));
    gateway = await startGateway(["--config", file], { HEARTH_STATE_DIR: join(temp.dir, "state") });
    client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: "x", maxRetries: 0 });
  });
  after(async () => {
    await gateway.stop();
    await server.kill();
    temp.cleanup();
  });

  test("Chat Completions response_format json_schema and json_object: the answer is JSON; without it, a story", async () => {
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: "user", content: "Give a person as JSON." }];
    const model = `llama/${server.alias}`;
    const free = await client.chat.completions.create({ model, messages });
    assert.doesNotMatch(free.choices[0]?.message.content ?? "", /^\s*\{/, "the story model writes a story when no format is asked");
    const shaped = await client.chat.completions.create({ model, messages, response_format: { type: "json_schema", json_schema: { name: "person", schema, strict: true } } });
    assert.match(shaped.choices[0]?.message.content ?? "", NAME_OBJECT);
    const object = await client.chat.completions.create({ model, messages, response_format: { type: "json_object" } });
    assert.match(object.choices[0]?.message.content ?? "", /^\s*\{/, "any JSON object: sent to the local server as a schema of one");
  });

  // t13-replay #6: cut at 20 tokens, the constrained answer is whitespace only, which llama-server does not stream.
  test("a json_object answer cut before its first word: empty, as the server streamed it, and the notice says why", async () => {
    const model = `llama/${server.alias}`;
    const { data, response } = await client.chat.completions.create({ model, messages: [{ role: "user", content: "Give a person as JSON." }], max_tokens: 20, temperature: 0, response_format: { type: "json_object" } }).withResponse();
    assert.equal(data.choices[0]?.message.content, "");
    assert.equal(data.choices[0]?.finish_reason, "length");
    const notice = decodeURIComponent(response.headers.get("x-hearth-notice") ?? "");
    assert.match(notice, new RegExp(`^${model.replace("/", "\\/")} produced 20 output tokens, and its server sent no text for them \\(llama\\.cpp's server, for one, streams no answer that is only whitespace\\); the reply limit \\(max_tokens\\) ended it before any word`, "m"), notice);
    const answer = await client.responses.create({ model, input: "Give a person as JSON.", max_output_tokens: 20, temperature: 0, text: { format: { type: "json_object" } } });
    assert.equal(answer.status, "incomplete");
    assert.match(String(answer.metadata?.hearth_notice), /produced 20 output tokens, and its server sent no text for them/);
  });

  test("a Responses client's text.format goes to the Chat Completions server as response_format, streamed too", async () => {
    const stream = client.responses.stream({ model: `llama/${server.alias}`, input: "Give a person as JSON.", text: { format: { type: "json_schema", name: "person", schema, strict: true } } });
    const final = await stream.finalResponse();
    assert.match(final.output_text, NAME_OBJECT);
    assert.equal((final.text?.format as { name?: string } | undefined)?.name, "person", "the response echoes the format asked");
  });

  // t16 #1: llama-server's /v1/responses reads no text.format (a story came back, the Response echoing the
  // schema as if it applied); it reads the Chat form, response_format, beside it.
  test("a provider with api openai-responses on llama-server: text.format and response_format constrain its answer too", async () => {
    const file = temp.write("responses.json5", realConfig(server, { api: "openai-responses", maxTokens: 40 }));
    const viaResponses = await startGateway(["--config", file], { HEARTH_STATE_DIR: join(temp.dir, "state-responses") });
    try {
      const other = new OpenAI({ baseURL: `${viaResponses.url}/v1`, apiKey: "x", maxRetries: 0 });
      const model = `llama/${server.alias}`;
      const free = await other.responses.create({ model, input: "Give a person as JSON." });
      assert.doesNotMatch(free.output_text, /^\s*\{/, "the story model writes a story when no format is asked");
      const shaped = await other.responses.create({ model, input: "Give a person as JSON.", text: { format: { type: "json_schema", name: "person", schema, strict: true } } });
      assert.match(shaped.output_text, NAME_OBJECT);
      const chat = await other.chat.completions.create({ model, messages: [{ role: "user", content: "Give a person as JSON." }], response_format: { type: "json_schema", json_schema: { name: "person", schema } } });
      assert.match(chat.choices[0]?.message.content ?? "", NAME_OBJECT);
    } finally {
      await viaResponses.stop();
    }
  });

  test("max_tokens -1 (LM Studio's \"no limit\") is answered with the model's own limit, and said", async () => {
    const { data, response } = await client.chat.completions.create({ model: `llama/${server.alias}`, messages: [{ role: "user", content: "Tell a story." }], max_tokens: -1 }).withResponse();
    assert.equal(data.usage?.completion_tokens, 40, "the story model writes to its limit: the config's maxTokens");
    assert.match(decodeURIComponent(response.headers.get("x-hearth-notice") ?? ""), /max_tokens -1 \("no limit"\) asked: 40 sent to llama\//);
  });
});
