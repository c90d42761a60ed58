import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { openaiInvalidKey, openaiModelNotFound, openaiRateLimited, serverError500, serviceUnavailable503 } from "../fakes/error-bodies.js";
import { refusedUrl, type Reply } from "../fakes/fake-server.js";
import { completionsStream } from "../fakes/openai-completions-stream.js";
import { fakeServersForSuite } from "../helpers/fake-servers.js";
import { ask, chainFromServers, route, routingPerTest } from "../helpers/routing.js";

const answer = (text: string): Reply => ({ kind: "sse", frames: completionsStream({ text, usage: { input: 10, output: 3 } }) });
/** Three frames of an answer ("half an ans"), then the connection reset. */
const brokenMidAnswer = (): Reply => ({ kind: "sse", frames: completionsStream({ text: "half an ans", chunkSize: 4 }).slice(0, 3), after: "reset" });

describe("the router fails over", () => {
  const routing = routingPerTest();
  const { spare, primary } = fakeServersForSuite({ spare: () => answer("from the spare"), primary: () => answer("from the primary") });
  let refused: string;
  before(async () => {
    refused = `${await refusedUrl()}/v1`;
  });

  const cases: [string, Reply | "refused", string][] = [
    ["connection refused", "refused", "unreachable"],
    ["a hang before headers", { kind: "hang-before-headers" }, "timeout"],
    ["a reset before headers (the server took the request, then dropped it)", { kind: "reset-before-headers" }, "stream-broken"],
    ["a reset mid-stream before any text", { kind: "sse", frames: completionsStream({ text: "" }).slice(0, 1), after: "reset" }, "stream-broken"],
    ["a hang mid-stream before any text", { kind: "sse", frames: completionsStream({ text: "" }).slice(0, 1), after: "hang" }, "timeout"],
    ["500", serverError500, "server-error"],
    ["503", serviceUnavailable503, "overloaded"],
    ["401", openaiInvalidKey, "auth"],
    ["429", openaiRateLimited(30), "rate-limit"],
    ["an unknown model", openaiModelNotFound, "model-not-found"],
  ];
  for (const [what, reply, outcome] of cases) {
    test(`${what}: the fallback answers, and the attempts say why`, async () => {
      primary.setHandler(() => (reply === "refused" ? answer("unused") : reply));
      const chain = chainFromServers({ local: reply === "refused" ? refused : primary.baseUrl, spare: spare.baseUrl }, { local: "timeoutSeconds: 0.3," });
      routing.cooldowns.succeed("local/m");
      const result = await route(routing.router, { chain, context: ask });
      assert.equal(result.text, "from the spare");
      assert.deepEqual(result.outcomes, [`local/m ${outcome}`, "spare/m ok"]);
      assert.equal(result.end?.model, "spare/m");
      const failed = result.events.find((event) => event.type === "attempt-failed");
      assert.equal(failed?.type === "attempt-failed" ? failed.next : undefined, "spare/m");
    });
  }

  test("Retry-After sets the cooldown: the next turn skips the model until then", async () => {
    primary.setHandler(() => openaiRateLimited(120));
    const chain = chainFromServers({ local: primary.baseUrl, spare: spare.baseUrl });
    routing.cooldowns.succeed("local/m");
    await route(routing.router, { chain, context: ask });
    const until = routing.cooldowns.until("local/m");
    assert.equal(until, routing.clock.now() + 120_000);
    primary.requests.length = 0;
    primary.setHandler(() => answer("back"));
    const second = await route(routing.router, { chain, context: ask });
    assert.deepEqual(second.outcomes, ["local/m skipped-cooldown", "spare/m ok"]);
    assert.equal(primary.requests.length, 0, "not even asked");
    routing.clock.advance(120_001);
    const third = await route(routing.router, { chain, context: ask });
    assert.deepEqual(third.outcomes, ["local/m ok"]);
    assert.equal(routing.cooldowns.until("local/m"), undefined, "a success ends the cooldown");
  });

  test("when every candidate is cooling down they are tried anyway", async () => {
    primary.setHandler(() => answer("from the primary"));
    const chain = chainFromServers({ local: primary.baseUrl, spare: spare.baseUrl });
    routing.cooldowns.fail("local/m", { kind: "overloaded", message: "x" });
    routing.cooldowns.fail("spare/m", { kind: "overloaded", message: "x" });
    const result = await route(routing.router, { chain, context: ask });
    assert.deepEqual(result.outcomes, ["local/m ok"]);
    routing.cooldowns.succeed("spare/m");
  });

  test("a bad request is reported, not failed over", async () => {
    primary.setHandler(() => ({ kind: "json", status: 400, body: { error: { message: "temperature must be <= 2", type: "invalid_request_error" } } }));
    spare.requests.length = 0;
    const chain = chainFromServers({ local: primary.baseUrl, spare: spare.baseUrl });
    routing.cooldowns.succeed("local/m");
    const result = await route(routing.router, { chain, context: ask });
    assert.equal(result.error?.failure?.kind, "bad-request");
    assert.match(result.error?.message ?? "", /temperature must be <= 2/);
    assert.equal(spare.requests.length, 0);
  });

  test("every candidate failing ends with every attempt and its reason", async () => {
    primary.setHandler(() => serverError500);
    const chain = chainFromServers({ local: primary.baseUrl, dead: refused });
    routing.cooldowns.succeed("local/m");
    const result = await route(routing.router, { chain, context: ask });
    assert.deepEqual(result.outcomes, ["local/m server-error", "dead/m unreachable"]);
    assert.match(result.error?.message ?? "", /^no model could answer \(local\/m: server-error; dead\/m: unreachable\)$/);
  });
});

describe("a failure after text went out", () => {
  const routing = routingPerTest();
  const { broken, spare } = fakeServersForSuite({ broken: brokenMidAnswer, spare: () => answer("a whole answer") });

  test("a live channel that cannot take a fresh answer gets the error, with the partial reply", async () => {
    const chain = chainFromServers({ local: broken.baseUrl, spare: spare.baseUrl });
    const result = await route(routing.router, { chain, context: ask, canRestart: false });
    assert.equal(result.error?.failure?.kind, "stream-broken");
    assert.ok(result.text.length > 0);
    assert.equal(spare.requests.length, 0);
  });

  test("a channel that can (or that sends only the final text) gets a restart, then the fallback's answer", async () => {
    routing.cooldowns.succeed("local/m");
    const chain = chainFromServers({ local: broken.baseUrl, spare: spare.baseUrl });
    const result = await route(routing.router, { chain, context: ask, canRestart: true });
    const restart = result.events.findIndex((event) => event.type === "answer-restart");
    assert.ok(restart > 0);
    const after = result.events.slice(restart).map((event) => (event.type === "text-delta" ? event.delta : "")).join("");
    assert.equal(after, "a whole answer");
    assert.equal(result.end?.model, "spare/m");
  });
});

describe("a caller that takes the whole answer only (wholeAnswer)", () => {
  const routing = routingPerTest();
  const { broken, spare } = fakeServersForSuite({ broken: brokenMidAnswer, spare: () => answer("a whole answer, in several pieces") });

  test("gets no delta, one first-token per attempt that spoke, and the whole message at the end", async () => {
    const chain = chainFromServers({ spare: spare.baseUrl });
    const result = await route(routing.router, { chain, context: ask, canRestart: true, wholeAnswer: true });
    // (a usage event, where the server sends one mid-stream, is passed on as it is)
    assert.deepEqual(result.events.map((event) => event.type).filter((type) => type !== "usage"), ["attempt-start", "first-token", "route-end"]);
    const first = result.events.find((event) => event.type === "first-token");
    assert.equal(first?.type === "first-token" ? first.model : undefined, "spare/m");
    const text = result.end?.message.content.map((part) => (part.type === "text" ? part.text : "")).join("");
    assert.equal(text, "a whole answer, in several pieces");
  });

  test("a broken answer is replaced by the fallback's, each attempt marking its own first token", async () => {
    routing.cooldowns.succeed("local/m");
    const chain = chainFromServers({ local: broken.baseUrl, spare: spare.baseUrl });
    const result = await route(routing.router, { chain, context: ask, canRestart: true, wholeAnswer: true });
    assert.equal(result.events.filter((event) => event.type === "text-delta" || event.type === "reasoning-delta").length, 0);
    assert.deepEqual(
      result.events.filter((event) => event.type === "first-token").map((event) => (event.type === "first-token" ? event.model : "")),
      ["local/m", "spare/m"],
    );
    assert.ok(result.events.some((event) => event.type === "answer-restart"));
    assert.deepEqual(result.outcomes, ["local/m stream-broken", "spare/m ok"]);
    assert.equal(result.end?.message.content.map((part) => (part.type === "text" ? part.text : "")).join(""), "a whole answer, in several pieces");
  });
});
