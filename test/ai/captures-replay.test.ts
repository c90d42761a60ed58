// Real captures of model servers (test/fixtures/captures/, see its README for where each comes from),
// served byte for byte from a local HTTP server and read by hearth's adapters — the same adapters the
// CLI and the gateway load (src/cli/wire-adapters.ts). The expected values below were read off the
// captures by hand; nothing here derives them from the bytes. The official SDKs read the same bytes,
// and must agree with hearth on the text.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { after, before, describe, test } from "node:test";
import type { Api } from "../../src/ai/api.js";
import type { AdapterRegistry } from "../../src/ai/adapter-registry.js";
import { HttpClient } from "../../src/ai/http/http-client.js";
import type { CallOptions } from "../../src/ai/types.js";
import { createAdapterRegistry } from "../../src/cli/wire-adapters.js";
import { startFakeServer, type FakeServer, type Reply } from "../fakes/fake-server.js";
import { modelSpec, run, textOf } from "./adapter-contract.js";

const CAPTURES = new URL("../fixtures/captures/", import.meta.url);

/**
 * How a capture's file becomes the response body:
 * - "recorded": the file IS the body (a cassette's response string), sent as it is;
 * - "data-lines": one JSON payload a line (vercel/ai `.chunks.txt`), each sent as `data: <line>\n\n`;
 * - "typed-lines": the same, each with `event: <type>\n` first, as Anthropic's API names its events.
 */
type Framing = "recorded" | "data-lines" | "typed-lines";

interface Expected {
  text: string;
  reasoning: string;
  toolCalls: { id: string; name: string; arguments: Record<string, unknown> }[];
  usage: { input: number; output: number; cacheRead: number; cacheWrite: number; reasoning: number };
  stop: "stop" | "length" | "tool-use";
}

interface Capture {
  file: string;
  api: Api;
  /** the content type the real server sent (the cassette's header; the provider's for `.chunks.txt`) */
  contentType: string;
  framing: Framing;
  /** `data: [DONE]` after the lines (chat completions servers send it; `.chunks.txt` files leave it out) */
  done?: boolean;
  expect: Expected;
  /** checks of the message beyond the common ones */
  more?: (message: NonNullable<Awaited<ReturnType<typeof run>>["end"]>) => void;
}

const SSE_UTF8 = "text/event-stream; charset=utf-8";

const captures: Capture[] = [
  {
    file: "pydantic-ai/test_gpt5_freeform_text_streaming.2.sse",
    api: "openai-responses",
    contentType: SSE_UTF8,
    framing: "recorded",
    expect: {
      text: "I tried querying the database, but the tool only returned “5 users found” without the row details. Which columns would you like me to list (e.g., id, name, email)? I can re-run the query to fetch those specific fields.",
      reasoning: "",
      toolCalls: [],
      usage: { input: 551, output: 633, cacheRead: 0, cacheWrite: 0, reasoning: 576 },
      stop: "stop",
    },
    more(message) {
      // gpt-5 sends its reasoning only encrypted: kept for the history (the finished item's copy), never shown.
      const reasoning = message.content.filter((part) => part.type === "reasoning");
      assert.equal(reasoning.length, 1);
      const part = reasoning[0];
      assert.equal(part?.type === "reasoning" ? part.signature : undefined, "rs_0e3f1d7b90a3b1d70069580dbfd13081919e7056961d0911f5");
      const redacted = part?.type === "reasoning" ? (part.redacted ?? "") : "";
      assert.equal(redacted.length, 4664);
      assert.ok(redacted.startsWith("gAAAAABpWA3LfjPOebFMVCsJAe6dSa80bivrNvBI") && redacted.endsWith("C847Wf9YaWe5WG-yMPk="));
    },
  },
  {
    file: "vercel-ai/lmstudio-basic.1.chunks.txt",
    api: "openai-responses",
    contentType: "text/event-stream",
    framing: "data-lines",
    expect: {
      text:
        "## The Festival of Whispering Leaves (Feasts in the Forest)\n\n**Origin:** Ancient Sylvan folklore, practiced primarily by woodland communities across North America since time immemorial\n\n\n***Traditions**:  \n\n\n\n* **Gathering Berries & Nuts.** - Gather berries and nuts from nearby forests. \n\n\n\n\n\n-   Preparation for Feasting: Spend hours preparing a communal feast of roasted meats (often wild game), stews made with forest herbs such as ginseng, black peppercorn or cinnamon in large clay pots over open fires\n\n\n**Activities:**\n\n* **Bonfires & Storytelling.** - Gather around bonfires and share stories about the land.\n  \n\n\n\n-   Traditional Dancing: Engage your spirit through dancing to rhythmic music accompanied by drumbeats from hollow logs \n\n\n\n\n\n * Lighting Lamps, Candles,** or Oil Lanterns.: Create a warm atmosphere using lamps made of candles in clay vases\n\n\n* **Stargazing:** Spend time gazing at stars and planets visible during the night sky.  \n\n**Food**:\n- Roasted game (deer/elk) with berries & nuts as side dish \n\n\n\n - Stews prepared from wild herbs such like ginseng or black peppercorn along potatoes, carrots etc..\n\n\n\n\nThe Festival of Whispering Leaves is a celebration that honors both nature and community spirit while marking the changing seasons. It's also an opportunity to reflect on past traditions  and connect with your roots through storytelling around fire",
      reasoning: "",
      toolCalls: [],
      usage: { input: 1, output: 282, cacheRead: 30, cacheWrite: 0, reasoning: 0 },
      stop: "stop",
    },
  },
  ...[
    {
      file: "vercel-ai/lmstudio-tool-call.1.chunks.txt",
      reasoning:
        'The user is asking for the weather in San Francisco. I have a weather function available that takes a location parameter. The user has provided "San Francisco" as the location, so I have all the required information to make the function call.',
      callId: "call_2025306790300011",
      usage: { input: 180, output: 61, cacheRead: 2, cacheWrite: 0, reasoning: 48 },
    },
    {
      file: "vercel-ai/lmstudio-tool-call.2.chunks.txt",
      reasoning:
        'The user is asking for the weather in San Francisco. I have a weather function available that takes a location parameter. The user has provided the location as "San Francisco", so I have all the required parameters to make the function call.',
      callId: "call_3466696471230001",
      usage: { input: 130, output: 60, cacheRead: 52, cacheWrite: 0, reasoning: 47 },
    },
  ].map(
    (capture): Capture => ({
      file: capture.file,
      api: "openai-responses",
      contentType: "text/event-stream",
      framing: "data-lines",
      expect: {
        text: "I'll get the current weather information for San Francisco for you.",
        reasoning: capture.reasoning,
        toolCalls: [{ id: capture.callId, name: "weather", arguments: { location: "San Francisco" } }],
        usage: capture.usage,
        stop: "tool-use",
      },
    }),
  ),
  {
    file: "pydantic-ai/test_run_stream_sync_streams_real_model.0.sse",
    api: "openai-completions",
    contentType: SSE_UTF8,
    framing: "recorded",
    expect: {
      text: "",
      reasoning: "",
      toolCalls: [{ id: "call_ZR5UUuTt3pf61kjwAJIYdVMj", name: "get_capital", arguments: { country: "UK" } }],
      usage: { input: 53, output: 15, cacheRead: 0, cacheWrite: 0, reasoning: 0 },
      stop: "tool-use",
    },
  },
  {
    file: "pydantic-ai/test_run_stream_sync_streams_real_model.1.sse",
    api: "openai-completions",
    contentType: SSE_UTF8,
    framing: "recorded",
    expect: {
      text: "The capital of the UK is London.",
      reasoning: "",
      toolCalls: [],
      usage: { input: 78, output: 9, cacheRead: 0, cacheWrite: 0, reasoning: 0 },
      stop: "stop",
    },
  },
  {
    // DeepSeek puts the usage on the finish_reason chunk itself, not on a chunk of its own.
    file: "vercel-ai/deepseek-tool-call.chunks.txt",
    api: "openai-completions",
    contentType: "text/event-stream",
    framing: "data-lines",
    done: true,
    expect: {
      text: "",
      reasoning:
        'The user is asking for the weather in San Francisco. I need to use the weather tool to get this information. Let me invoke the weather tool with the location parameter set to "San Francisco".',
      toolCalls: [{ id: "call_00_ioIn7yN9p1ZOMNpDLwd4MgAF", name: "weather", arguments: { location: "San Francisco" } }],
      usage: { input: 19, output: 83, cacheRead: 320, cacheWrite: 0, reasoning: 39 },
      stop: "tool-use",
    },
  },
  {
    file: "pydantic-ai/test_anthropic_model_thinking_part_stream.0.sse",
    api: "anthropic-messages",
    contentType: SSE_UTF8,
    framing: "recorded",
    expect: {
      text: 'Here are the basic steps for safely crossing the street:\n\n**At intersections with traffic lights:**\n- Wait for the pedestrian "Walk" signal\n- Look both ways before stepping into the street\n- Make eye contact with drivers when possible\n- Stay alert for turning vehicles\n\n**At intersections without signals:**\n- Use crosswalks when available\n- Stop at the curb and look left, right, then left again\n- Wait for a clear gap in traffic\n- Walk briskly but don\'t run\n- Keep looking for traffic as you cross\n\n**General safety tips:**\n- Put away phones and remove headphones\n- Wear bright or reflective clothing in low light\n- Never assume drivers see you\n- Avoid crossing between parked cars\n- Walk facing traffic when there\'s no sidewalk\n\n**In busy urban areas:**\n- Follow pedestrian signals strictly\n- Be extra cautious of cyclists in bike lanes\n- Watch for buses and large vehicles with blind spots\n\nThe key is to be visible, alert, and predictable in your movements. Always prioritize safety over speed when crossing streets.',
      reasoning:
        "This is a straightforward question about pedestrian safety. I should provide clear, helpful advice about how to safely cross a street. This is basic safety information that could help prevent accidents.",
      toolCalls: [],
      usage: { input: 43, output: 282, cacheRead: 0, cacheWrite: 0, reasoning: 0 },
      stop: "stop",
    },
  },
  {
    file: "vercel-ai/anthropic-tool-no-args.chunks.txt",
    api: "anthropic-messages",
    contentType: SSE_UTF8,
    framing: "typed-lines",
    expect: {
      text: "I'll update the issue list for you.",
      reasoning: "",
      toolCalls: [{ id: "toolu_01QE1WLsSVp5hy5Q3GmGTmjP", name: "updateIssueList", arguments: {} }],
      usage: { input: 565, output: 48, cacheRead: 0, cacheWrite: 0, reasoning: 0 },
      stop: "tool-use",
    },
  },
  {
    file: "vercel-ai/anthropic-json-tool.1.chunks.txt",
    api: "anthropic-messages",
    contentType: SSE_UTF8,
    framing: "typed-lines",
    expect: {
      text: "",
      reasoning: "",
      toolCalls: [{ id: "toolu_01KFbKqPYSuAKujiL6mTfzYA", name: "json", arguments: { elements: [{ location: "San Francisco", temperature: 58, condition: "sunny" }] } }],
      usage: { input: 849, output: 47, cacheRead: 0, cacheWrite: 0, reasoning: 0 },
      stop: "tool-use",
    },
  },
];

/** The response body of a capture, as bytes. */
function bodyOf(capture: Capture): Buffer {
  const file = readFileSync(new URL(capture.file, CAPTURES));
  if (capture.framing === "recorded") return file;
  const lines = file
    .toString("utf8")
    .split("\n")
    .filter((line) => line.trim() !== "");
  const frames = lines.map((line) => {
    if (capture.framing === "data-lines") return `data: ${line}\n\n`;
    const type = (JSON.parse(line) as { type: string }).type;
    return `event: ${type}\ndata: ${line}\n\n`;
  });
  if (capture.done) frames.push("data: [DONE]\n\n");
  return Buffer.from(frames.join(""), "utf8");
}

/** The body cut after each blank line: one write per SSE frame, the bytes unchanged. */
function byFrame(body: Buffer): Buffer[] {
  const pieces: Buffer[] = [];
  let start = 0;
  for (let at = body.indexOf("\n\n"); at !== -1; at = body.indexOf("\n\n", start)) {
    pieces.push(body.subarray(start, at + 2));
    start = at + 2;
  }
  if (start < body.length) pieces.push(body.subarray(start));
  return pieces;
}

/** The body cut every `size` bytes: frames, lines and UTF-8 characters split across writes. */
function bySize(body: Buffer, size: number): Buffer[] {
  const pieces: Buffer[] = [];
  for (let at = 0; at < body.length; at += size) pieces.push(body.subarray(at, at + size));
  return pieces;
}

/** The body cut inside every multi-byte UTF-8 character (after its first byte); one piece when there is none. */
function insideCharacters(body: Buffer): Buffer[] {
  const pieces: Buffer[] = [];
  let start = 0;
  for (let at = 1; at < body.length; at++) {
    const lead = body[at - 1] ?? 0;
    if (lead >= 0xc0 && ((body[at] ?? 0) & 0xc0) === 0x80) {
      pieces.push(body.subarray(start, at));
      start = at;
    }
  }
  pieces.push(body.subarray(start));
  return pieces;
}

const options: CallOptions = { timeouts: { connectMs: 2000, firstByteMs: 10_000, idleMs: 10_000 } };
const context = { messages: [{ role: "user" as const, content: "the question of the capture" }] };

describe("real captures, replayed through hearth's adapters", () => {
  let server: FakeServer;
  let http: HttpClient;
  let adapters: AdapterRegistry;
  let reply: Reply = { kind: "json", status: 500, body: { error: "no capture served" } };
  before(async () => {
    server = await startFakeServer(() => reply);
    http = new HttpClient();
    adapters = createAdapterRegistry(http);
  });
  after(async () => {
    http.destroy();
    await server.close();
  });
  const baseUrlFor = (api: Api): string => (api === "anthropic-messages" ? server.url : server.baseUrl);

  for (const capture of captures) {
    describe(capture.file, () => {
      const body = bodyOf(capture);

      const cuts: [string, Buffer[], number][] = [
        ["one write per frame", byFrame(body), 0],
        ["cut every 7 bytes", bySize(body, 7), 0],
      ];
      // Writes made back to back may reach the client as one read; a pause keeps these cuts apart.
      const split = insideCharacters(body);
      if (split.length > 1) cuts.push([`cut inside each of ${split.length - 1} multi-byte characters`, split, 20]);
      for (const [how, pieces, pauseMs] of cuts) {
        test(`hearth reads the text, reasoning, tool calls, usage and stop reason (${how})`, async () => {
          assert.deepEqual(Buffer.concat(pieces), body, "the pieces are the body, byte for byte");
          reply = { kind: "raw", headers: { "content-type": capture.contentType }, chunks: pieces, frameDelayMs: pauseMs };
          const adapter = await adapters.get(capture.api);
          const outcome = await run(adapter, modelSpec(capture.api, baseUrlFor(capture.api)), context, options);
          assert.equal(outcome.failure, undefined, outcome.failure?.message);
          const message = outcome.end;
          assert.ok(message);
          assert.equal(outcome.text, capture.expect.text, "the streamed text");
          assert.equal(textOf(message), capture.expect.text, "the final text");
          assert.equal(outcome.reasoning, capture.expect.reasoning, "the streamed reasoning");
          const reasoning = message.content.map((part) => (part.type === "reasoning" ? part.text : "")).join("");
          assert.equal(reasoning, capture.expect.reasoning, "the final reasoning, apart from the text");
          if (capture.expect.reasoning !== "") assert.ok(!textOf(message).includes(capture.expect.reasoning.slice(0, 40)), "no reasoning in the text");
          const calls = message.content.flatMap((part) => (part.type === "tool-call" ? [{ id: part.id, name: part.name, arguments: part.arguments }] : []));
          assert.deepEqual(calls, capture.expect.toolCalls);
          for (const part of message.content) if (part.type === "tool-call") assert.equal(part.argumentsError, undefined);
          const { input, output, cacheRead, cacheWrite, reasoning: reasoningTokens, estimated } = message.usage;
          assert.deepEqual({ input, output, cacheRead, cacheWrite, reasoning: reasoningTokens }, capture.expect.usage);
          assert.equal(estimated, false, "the server's numbers, not an estimate");
          assert.equal(message.stopReason, capture.expect.stop);
          capture.more?.(message);
        });
      }

      test("the official SDK reads the same bytes to the same text", async () => {
        reply = { kind: "raw", headers: { "content-type": capture.contentType }, chunks: byFrame(body) };
        let sdkText: string;
        if (capture.api === "anthropic-messages") {
          const client = new Anthropic({ baseURL: server.url, apiKey: "sk-ant-test", maxRetries: 0 });
          const message = await client.messages.stream({ model: "claude-x", max_tokens: 100, messages: [{ role: "user", content: "q" }] }).finalMessage();
          sdkText = message.content.map((block) => (block.type === "text" ? block.text : "")).join("");
          const thinking = message.content.map((block) => (block.type === "thinking" ? block.thinking : "")).join("");
          assert.equal(thinking, capture.expect.reasoning, "the SDK's thinking is hearth's reasoning");
          const tools = message.content.flatMap((block) => (block.type === "tool_use" ? [{ id: block.id, name: block.name, arguments: block.input }] : []));
          assert.deepEqual(tools, capture.expect.toolCalls);
        } else {
          const client = new OpenAI({ baseURL: server.baseUrl, apiKey: "sk-test", maxRetries: 0 });
          if (capture.api === "openai-responses") {
            const response = await client.responses.stream({ model: "m", input: "q" }).finalResponse();
            sdkText = response.output_text;
            const tools = response.output.flatMap((item) => (item.type === "function_call" ? [{ id: item.call_id, name: item.name, arguments: JSON.parse(item.arguments) as unknown }] : []));
            assert.deepEqual(tools, capture.expect.toolCalls);
          } else {
            const completion = await client.chat.completions.stream({ model: "m", messages: [{ role: "user", content: "q" }] }).finalChatCompletion();
            sdkText = completion.choices[0]?.message.content ?? "";
            const tools = (completion.choices[0]?.message.tool_calls ?? []).flatMap((call) =>
              call.type === "function" ? [{ id: call.id, name: call.function.name, arguments: JSON.parse(call.function.arguments) as unknown }] : [],
            );
            assert.deepEqual(tools, capture.expect.toolCalls);
          }
        }
        assert.equal(sdkText, capture.expect.text);
      });
    });
  }
});
