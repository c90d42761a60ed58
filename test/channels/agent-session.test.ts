import assert from "node:assert/strict";
import { test } from "node:test";
import { agentSession, userSession } from "../../src/channels/http/openai/agent-session.js";
import { RequestProblem } from "../../src/channels/http/openai/request-problem.js";
import { isSessionKey } from "../../src/sessions/session-store.js";
import { channelOf } from "../../src/ops/session-channel.js";

test("a user that makes a session key keeps http:<user>, the session it always had", () => {
  for (const user of ["ann", "ann@example.com", "550e8400-e29b-41d4-a716-446655440000", "team:editor+1"]) assert.equal(userSession(user), `http:${user}`);
});

test("any other user (a name with a space, a path, non-ASCII, too long, dots in a row) is a valid key of its own, the same each time", () => {
  const users = ["bob smith", "bob/smith", "bob  smith", "Zoë", "日本語", "a..b", "x".repeat(124), " ", "-bob smith-", "bob smith\n"];
  const keys = users.map(userSession);
  for (const [index, key] of keys.entries()) {
    assert.ok(isSessionKey(key), `${JSON.stringify(users[index])} → ${key}`);
    assert.ok(key.startsWith("http-user:"), key);
    assert.equal(userSession(users[index] ?? ""), key, "stable");
    assert.equal(channelOf(key), "http");
  }
  assert.equal(new Set(keys).size, keys.length, "no two users share one");
  assert.match(userSession("bob smith"), /^http-user:bob-smith\.[0-9a-f]{16}$/);
  assert.match(userSession("日本語"), /^http-user:[0-9a-f]{16}$/);
  // No user that already made a key can reach a mapped one: http:<user> never starts with http-user:.
  assert.notEqual(userSession(userSession("bob smith").slice("http:".length)), userSession("bob smith"));
});

test("the x-hearth-session header comes first and must itself be a key: a 400 naming the header", () => {
  assert.equal(agentSession("editor", "bob smith"), "editor");
  assert.equal(agentSession(undefined, undefined), "http");
  assert.equal(agentSession("  ", "ann"), "http:ann");
  assert.throws(() => agentSession("bad key", undefined), (error: unknown) => error instanceof RequestProblem && error.status === 400 && error.param === "x-hearth-session" && /x-hearth-session: "bad key" is not a valid session key/.test(error.message));
});
