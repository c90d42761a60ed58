import assert from "node:assert/strict";
import { test } from "node:test";
import { z } from "zod";
import type { ToolCall } from "../../src/ai/types.js";
import { createBuiltinTools, policyFor, ToolRegistry } from "../../src/agent/tools/registry.js";
import type { Tool, ToolContext } from "../../src/agent/tools/tool.js";

const wrap = (text: string, source: string) => `<<<untrusted-abc source="${source}">>>\n${text}\n<<<end-untrusted-abc>>>`;

function context(overrides: Partial<ToolContext> = {}): ToolContext {
  return { signal: new AbortController().signal, stateDir: "/nonexistent-state", settings: {}, untrusted: wrap, ...overrides };
}

function call(name: string, args: Record<string, unknown> = {}, extra: Partial<ToolCall> = {}): ToolCall {
  return { type: "tool-call", id: "call-1", name, arguments: args, rawArguments: JSON.stringify(args), ...extra };
}

function tool<Parameters>(name: string, parameters: z.ZodType<Parameters>, run: Tool<Parameters>["run"]): Tool<Parameters> {
  return { name, description: `the ${name} tool`, parameters, run };
}

const everything = new Set(["echo", "boom", "strict", "big", "hang", "time", "memory", "web_fetch", "exec"]);

function testRegistry(maxOutputChars?: number): ToolRegistry {
  return new ToolRegistry({ maxOutputChars })
    .register(tool("echo", z.strictObject({ text: z.string().optional() }), async (args) => ({ content: `echo: ${args.text ?? "(none)"}` })))
    .register(
      tool("boom", z.strictObject({}), async () => {
        throw new Error("disk on fire");
      }),
    )
    .register(
      tool("strict", z.strictObject({ url: z.string(), count: z.int().positive(), mode: z.enum(["fast", "slow"]), tags: z.array(z.string()).optional() }), async () => ({ content: "ran" })),
    )
    .register(tool("big", z.strictObject({ size: z.int() }), async (args, toolContext) => ({ content: toolContext.untrusted("y".repeat(args.size), "big output") })))
    .register(tool("hang", z.strictObject({}), () => new Promise(() => undefined)));
}

test("policy: defaults are time, memory, web_fetch; deny wins; an empty allow gives none", () => {
  assert.deepEqual([...policyFor(undefined)].sort(), ["memory", "time", "web_fetch"]);
  assert.deepEqual([...policyFor({})].sort(), ["memory", "time", "web_fetch"]);
  assert.deepEqual([...policyFor({ allow: [] })], []);
  assert.deepEqual([...policyFor({ deny: ["web_fetch"] })].sort(), ["memory", "time"]);
  assert.deepEqual([...policyFor({ allow: ["time", "web_fetch"], deny: ["web_fetch"] })], ["time"]);
});

test("policy: exec needs both a place in allow and its commands configured", () => {
  assert.ok(!policyFor({ allow: ["time", "exec"] }).has("exec"), "listed but unconfigured: left out");
  assert.ok(policyFor({ allow: ["time", "exec"], exec: { commands: ["git"] } }).has("exec"));
  assert.ok(policyFor({ exec: { commands: ["git"] } }).has("exec"), "configured, with no explicit allow list: on");
  assert.ok(!policyFor({ allow: ["time"], exec: { commands: ["git"] } }).has("exec"), "an explicit allow list without exec: off");
  assert.ok(!policyFor({ allow: ["exec"], deny: ["exec"], exec: { commands: ["git"] } }).has("exec"), "deny wins");
});

test("definitions: only allowed, registered tools, as compact JSON Schema", () => {
  const registry = createBuiltinTools();
  assert.deepEqual(registry.names(), ["time", "memory", "web_fetch", "exec"]);
  const definitions = registry.definitions(new Set(["web_fetch", "time", "not-a-tool"]));
  assert.deepEqual(
    definitions.map((definition) => definition.name),
    ["time", "web_fetch"],
  );
  const webFetch = definitions.find((definition) => definition.name === "web_fetch");
  assert.deepEqual(webFetch?.parameters, { type: "object", properties: { url: { type: "string", description: "http(s) URL" } }, required: ["url"], additionalProperties: false });
  const memory = registry.definitions(new Set(["memory"]))[0];
  assert.deepEqual((memory?.parameters["properties"] as Record<string, unknown>)["action"], { type: "string", enum: ["read", "append"] });
  assert.ok(!JSON.stringify(registry.definitions(everything)).includes("$schema"));
  assert.deepEqual(registry.definitions(new Set()), []);
});

test("definitions: the default tool set costs under 1,600 characters of prompt", () => {
  const size = JSON.stringify(createBuiltinTools().definitions(policyFor(undefined))).length;
  assert.ok(size < 1_600, `the default definitions are ${size} characters`);
  const withExec = JSON.stringify(createBuiltinTools().definitions(new Set(["time", "memory", "web_fetch", "exec"]))).length;
  assert.ok(withExec < 2_000, `with exec: ${withExec} characters`);
});

test("a tool not allowed is refused whatever the model says, naming the tools it has", async () => {
  let ran = false;
  const registry = new ToolRegistry().register(tool("secret", z.strictObject({}), async () => ((ran = true), { content: "ran" }))).register(tool("time", z.strictObject({}), async () => ({ content: "now" })));
  const result = await registry.execute(call("secret"), new Set(["time"]), context());
  assert.equal(ran, false);
  assert.deepEqual(result, { role: "tool-result", toolCallId: "call-1", toolName: "secret", content: 'The tool "secret" is not allowed for this agent. Your tools: time.', isError: true });
  const none = await registry.execute(call("secret"), new Set(), context());
  assert.match(none.content, /You have no tools in this conversation/);
});

test("an unknown tool gets a did-you-mean among the allowed ones", async () => {
  const registry = createBuiltinTools();
  const result = await registry.execute(call("web_fech", { url: "https://example.com" }), policyFor(undefined), context());
  assert.equal(result.isError, true);
  assert.equal(result.content, 'There is no tool "web_fech"; did you mean "web_fetch"? Your tools: time, memory, web_fetch.');
  const other = await registry.execute(call("web-fetch"), policyFor(undefined), context());
  assert.match(other.content, /did you mean "web_fetch"/);
});

test("malformed arguments come back with the parser's words and what to send", async () => {
  const result = await testRegistry().execute(call("strict", {}, { rawArguments: '{"url": "http', argumentsError: "Unterminated string in JSON at position 13" }), everything, context());
  assert.equal(result.isError, true);
  assert.match(result.content, /could not be read: Unterminated string in JSON at position 13\./);
  assert.match(result.content, /Send them again as one valid JSON object/);
  assert.match(result.content, /Parameters of strict: url \(string, required\), count \(integer, required\), mode \("fast" \| "slow", required\), tags \(array of string\)/);
});

test("validation names each bad field and what was expected", async () => {
  const registry = testRegistry();
  const wrongTypes = await registry.execute(call("strict", { url: 42, count: 1.5, mode: "medium", tags: ["a", 3] }), everything, context());
  assert.equal(wrongTypes.isError, true);
  assert.match(wrongTypes.content, /^Invalid arguments for strict: /);
  assert.match(wrongTypes.content, /url: expected a string, got a number/);
  assert.match(wrongTypes.content, /count: expected an integer, got the number 1\.5/);
  assert.match(wrongTypes.content, /mode: expected one of "fast", "slow", got "medium"/);
  assert.match(wrongTypes.content, /tags\[1\]: expected a string, got a number/);
  assert.match(wrongTypes.content, /Fix them and call strict again\.$/);

  const missing = await registry.execute(call("strict", { count: 0, mode: "fast", extra: true }), everything, context());
  assert.match(missing.content, /url: required \(a string\)/);
  assert.match(missing.content, /count: expected a number above 0/);
  assert.match(missing.content, /arguments: unknown field "extra"; leave it out/);
});

test("a null for an optional field counts as left out", async () => {
  const result = await testRegistry().execute(call("echo", { text: null }), everything, context());
  assert.deepEqual([result.content, result.isError], ["echo: (none)", false]);
  const ok = await testRegistry().execute(call("echo", { text: "hi" }), everything, context());
  assert.equal(ok.content, "echo: hi");
});

test("a tool that throws gives an error result with its message, no stack", async () => {
  const result = await testRegistry().execute(call("boom"), everything, context());
  assert.equal(result.content, "boom failed: disk on fire");
  assert.equal(result.isError, true);
  assert.doesNotMatch(result.content, /\n\s+at /);
});

test("long output is cut with a note, keeping the untrusted block's closing line", async () => {
  const result = await testRegistry(1_000).execute(call("big", { size: 5_000 }), everything, context());
  assert.ok(result.content.length <= 1_200, `${result.content.length} characters`);
  assert.ok(result.content.startsWith('<<<untrusted-abc source="big output">>>\nyyy'));
  assert.ok(result.content.endsWith("\n<<<end-untrusted-abc>>>"));
  const full = wrap("y".repeat(5_000), "big output").length;
  const kept = 1_000;
  assert.match(result.content, new RegExp(`\\[… ${(full - kept).toLocaleString("en-US")} characters cut: the output was ${full.toLocaleString("en-US")} characters, the limit is 1,000\\]`));
  const short = await testRegistry(1_000).execute(call("big", { size: 10 }), everything, context());
  assert.equal(short.content, wrap("y".repeat(10), "big output"));
});

test("the default output limit is 20,000 characters", async () => {
  const result = await testRegistry().execute(call("big", { size: 30_000 }), everything, context());
  assert.match(result.content, /the limit is 20,000\]/);
});

test("execute never throws: odd failures, a broken context, a cancelled turn", async () => {
  const registry = new ToolRegistry()
    .register(
      tool("weird", z.strictObject({}), async () => {
        throw "a string, not an Error";
      }),
    )
    .register(tool("untrusting", z.strictObject({}), async (_args, toolContext) => ({ content: toolContext.untrusted("x", "y") })))
    .register(tool("hang", z.strictObject({}), () => new Promise(() => undefined)));
  const allowed = new Set(registry.names());
  const weird = await registry.execute(call("weird"), allowed, context());
  assert.equal(weird.content, "weird failed: a string, not an Error");

  const broken = await registry.execute(
    call("untrusting"),
    allowed,
    context({
      untrusted: () => {
        throw new Error("no marker");
      },
    }),
  );
  assert.equal(broken.content, "untrusting failed: no marker");

  const notAnObject = await registry.execute(call("untrusting", ["an", "array"] as unknown as Record<string, unknown>), allowed, context());
  assert.equal(notAnObject.isError, true);
  assert.match(notAnObject.content, /arguments: expected an object, got an array/);

  const controller = new AbortController();
  const pending = registry.execute(call("hang"), allowed, context({ signal: controller.signal }));
  controller.abort();
  const cancelled = await pending;
  assert.deepEqual([cancelled.content, cancelled.isError], ["hang failed: the call was cancelled", true]);
  const already = await registry.execute(call("hang"), allowed, context({ signal: AbortSignal.abort() }));
  assert.equal(already.content, "hang failed: the call was cancelled");
});

test("register refuses a duplicate or an impossible name", () => {
  const registry = new ToolRegistry().register(tool("echo", z.strictObject({}), async () => ({ content: "" })));
  assert.throws(() => registry.register(tool("echo", z.strictObject({}), async () => ({ content: "" }))), /already registered/);
  assert.throws(() => registry.register(tool("two words", z.strictObject({}), async () => ({ content: "" }))), /must be 1-64 letters/);
});
