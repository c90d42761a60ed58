import assert from "node:assert/strict";
import { test } from "node:test";
import { failureHint } from "../../src/agent/failure-hint.js";
import { record } from "../../src/agent/turn-state.js";
import { fallbackNotice } from "../../src/models/fallback-notice.js";
import { attemptFailedNotice, loadingNotice, queuedNotice, waitingNotice } from "../../src/models/waiting-notice.js";
import { resolveText } from "../helpers/config.js";

const { catalog } = resolveText(`{
  agents: { defaults: { model: { primary: "lmstudio/m", fallbacks: ["anthropic/claude-opus-4-5", "openai/gpt-5"] }, models: { "anthropic/claude-opus-4-5": { alias: "Opus" } } } },
  models: { providers: { lmstudio: { baseUrl: "http://127.0.0.1:1234/v1", api: "openai-responses", models: [{ id: "m" }] } } } }`);

test("a cancelled turn suggests no probe; a failed server does; a refused request is not worth resending", () => {
  const hint = (cause: "transient" | "permanent" | "cancelled" | "fault", outcomes: string[]): string =>
    failureHint({ cause, attempts: outcomes.map((outcome) => ({ outcome })), command: "./bin/hearth", retry: "/retry" });
  assert.equal(hint("cancelled", ["aborted"]), "cancelled: your message is saved and left out of later turns; /retry sends it again");
  assert.doesNotMatch(hint("cancelled", ["ok", "aborted"]), /models status/);
  assert.match(hint("transient", ["unreachable", "timeout"]), /\/retry sends it again, `\.\/bin\/hearth models status --probe` shows what is wrong/);
  assert.match(hint("transient", ["skipped-no-key", "skipped-policy"]), /^nothing was sent: give the hosted models their API keys/);
  assert.match(hint("permanent", ["bad-request"]), /rejected the request itself/);
  assert.doesNotMatch(hint("permanent", ["bad-request"]), /\/retry/);
  // A fault in hearth: hearth's to fix, not the servers' (no probe), and a resend likely meets it again.
  assert.equal(hint("fault", []), "this is hearth's own fault, not a model's nor your message's — the warning above says what it was; your message is saved, but /retry will likely fail the same way until that is fixed");
  assert.equal(hint("fault", ["unreachable", "skipped-no-key"]), hint("fault", []), "whatever the attempts of the turn's earlier steps");
  const refused = failureHint({ cause: "transient", attempts: [{ outcome: "auth", model: "openai/gpt-5" }, { outcome: "skipped-no-key", model: "anthropic/claude-opus-4-5" }], command: "./bin/hearth", retry: "/retry" });
  assert.match(refused, /^check the API key: the server refused the one of openai\/gpt-5: the key is models\.providers\.openai\.apiKey or the variable it comes from; your message is saved and \/retry sends it again once the key is fixed$/);
  // Where the caller knows where the key was set (gateway.env here): said as every other refused-key fix says it.
  const named = failureHint({ cause: "transient", attempts: [{ outcome: "auth", model: "openai/gpt-5" }], command: "./bin/hearth", retry: "/retry", keyFixOf: () => "the key is OPENAI_API_KEY from gateway.env: set a valid one there (or give models.providers.openai.apiKey)" });
  assert.equal(named, "check the API key: the server refused the one of openai/gpt-5: the key is OPENAI_API_KEY from gateway.env: set a valid one there (or give models.providers.openai.apiKey); your message is saved and /retry sends it again once the key is fixed");
  assert.doesNotMatch(refused, /models status --probe/);
  assert.match(failureHint({ cause: "transient", attempts: [{ outcome: "unreachable", model: "lmstudio/m" }, { outcome: "auth", model: "openai/gpt-5" }], command: "hearth", retry: "/retry" }), /models status --probe` shows what is wrong; check the API key: the server refused the one of openai\/gpt-5/);
});

test("the fallback notice: a server error is not 'overloaded', a dropped connection not 'unreachable', a keyless model is named", () => {
  const answeredBy = (first: string) => fallbackNotice([{ model: "lmstudio/m", outcome: first as never, ms: 1 }, { model: "openai/gpt-5", outcome: "ok", ms: 1 }], catalog);
  assert.equal(answeredBy("server-error"), "answered by openai/gpt-5 — lmstudio/m (local server) answered with a server error");
  assert.equal(answeredBy("stream-broken"), "answered by openai/gpt-5 — lmstudio/m (local server) connection dropped mid-answer");
  const keyless = fallbackNotice(
    [
      { model: "lmstudio/m", outcome: "unreachable", ms: 1 },
      { model: "anthropic/claude-opus-4-5", outcome: "skipped-no-key", ms: 0 },
      { model: "openai/gpt-5", outcome: "ok", ms: 1 },
    ],
    catalog,
  );
  assert.equal(keyless, "answered by openai/gpt-5 — lmstudio/m (local server) unreachable; Opus (hosted) skipped: no API key");
});

test("the fallback notice names every model skipped or failed before the answer (t1: LocalCC went unsaid), each once, and a field skipped for with its value", () => {
  const notice = fallbackNotice(
    [
      { model: "lmstudio/m", outcome: "skipped-cooldown", ms: 0 },
      { model: "anthropic/claude-opus-4-5", outcome: "skipped-cooldown", ms: 0 },
      { model: "openai/gpt-5", outcome: "ok", ms: 1 },
    ],
    catalog,
  );
  assert.equal(notice, "answered by openai/gpt-5 — lmstudio/m (local server) skipped after failing recently; Opus (hosted) skipped after failing recently");
  const fields = fallbackNotice(
    [
      // The fields come as data from where the router decided, whatever its message's wording.
      { model: "anthropic/claude-opus-4-5", outcome: "skipped-fields", ms: 0, message: "Anthropic's Messages API: temperature 1.5 (above 1) and seed are out", fields: ["temperature 1.5 (above 1)", "seed"] },
      { model: "openai/gpt-5", outcome: "ok", ms: 1 },
    ],
    catalog,
  );
  assert.equal(fields, "answered by openai/gpt-5 — Opus (hosted) cannot take the request's temperature 1.5 (above 1), seed");
  // A record kept before the fields were (a session file of an earlier version) says the outcome's words; its message is not parsed.
  const kept = fallbackNotice([{ model: "anthropic/claude-opus-4-5", outcome: "skipped-fields", ms: 0, message: "its API (anthropic-messages) has no seed" }, { model: "openai/gpt-5", outcome: "ok", ms: 1 }], catalog);
  assert.equal(kept, "answered by openai/gpt-5 — Opus (hosted) cannot take the request's fields as asked");
});

test("the fallback notice describes the model that failed, hosted or local, never the one that answered", () => {
  const notice = (failed: string, outcome: string, answered: string) => fallbackNotice([{ model: failed as never, outcome: outcome as never, ms: 1 }, { model: answered as never, outcome: "ok", ms: 1 }], catalog);
  assert.equal(notice("anthropic/claude-opus-4-5", "auth", "lmstudio/m"), "answered by lmstudio/m — Opus (hosted) refused the API key");
  assert.equal(notice("openai/gpt-5", "stream-broken", "lmstudio/m"), "answered by lmstudio/m — openai/gpt-5 (hosted) connection dropped mid-answer");
  assert.equal(notice("lmstudio/m", "auth", "Opus"), "answered by Opus — lmstudio/m (local server) refused the API key");
  // A model the client named (proxy mode) that the privacy policy kept out is the one the notice is about.
  const policy = [{ model: "openai/gpt-5" as const, outcome: "skipped-policy" as const, ms: 0 }, { model: "lmstudio/m" as const, outcome: "ok" as const, ms: 1 }];
  assert.equal(fallbackNotice(policy, catalog), undefined, "an agent's chain: the policy is the user's choice");
  assert.equal(fallbackNotice(policy, catalog, { named: true }), "answered by lmstudio/m — openai/gpt-5 (hosted) not allowed by the privacy policy");
  // The trial's Sonnet: the built-in anthropic provider pointed at this machine (a stand-in, a proxy) is the hosted service to the user.
  const standIn = resolveText(`{
    agents: { defaults: { model: { primary: "anthropic/claude-sonnet-4-5", fallbacks: ["lmstudio/m"] }, models: { "anthropic/claude-sonnet-4-5": { alias: "Sonnet" }, "lmstudio/m": { alias: "Local" } } } },
    models: { providers: { anthropic: { baseUrl: "http://127.0.0.1:18951", apiKey: "sk-ant-test-key-1234567890" }, lmstudio: { baseUrl: "http://127.0.0.1:1234/v1", api: "openai-responses", models: [{ id: "m" }] } } } }`).catalog;
  const refused = [{ model: "anthropic/claude-sonnet-4-5" as const, outcome: "auth" as const, ms: 1 }, { model: "lmstudio/m" as const, outcome: "ok" as const, ms: 1 }];
  assert.equal(fallbackNotice(refused, standIn), "answered by Local — Sonnet (hosted) refused the API key");
});

test("the words while a model is silent", () => {
  const event = { type: "attempt-waiting", model: "lmstudio/m", waitedMs: 8_000, limitMs: 60_000, promptTokens: 6_369, state: "unknown", next: "anthropic/claude-opus-4-5" } as const;
  assert.equal(waitingNotice(event, catalog), "no reply from lmstudio/m for 8 s (prompt 6k tokens) — trying Opus if none by 60 s (its first-token limit)");
  assert.equal(waitingNotice({ ...event, state: "loaded", limitMs: 16_000, promptTokens: 420, next: undefined }, catalog), "no reply from lmstudio/m for 8 s (prompt 420 tokens; the model is loaded) — giving up if none by 16 s (its first-token limit)");
  assert.equal(waitingNotice({ ...event, state: "loading", limitMs: 600_000 }, catalog), "no reply from lmstudio/m for 8 s (prompt 6k tokens; the server is loading the model) — trying Opus if none by 600 s (its first-token limit)");
});

test("one model, one name in a stream: the silent model, the next, a failure, a load and a queue all by alias, else by ref", () => {
  const named = resolveText(`{
    agents: { defaults: { model: { primary: "lmstudio/m", fallbacks: ["anthropic/claude-opus-4-5"] }, models: { "lmstudio/m": { alias: "Local" }, "anthropic/claude-opus-4-5": { alias: "Opus" } } } },
    models: { providers: { lmstudio: { baseUrl: "http://127.0.0.1:1234/v1", api: "openai-responses", models: [{ id: "m" }] } } } }`).catalog;
  const waiting = { type: "attempt-waiting", model: "lmstudio/m", waitedMs: 8_000, limitMs: 60_000, promptTokens: 6_369, state: "unknown", next: "anthropic/claude-opus-4-5" } as const;
  assert.equal(waitingNotice(waiting, named), "no reply from Local for 8 s (prompt 6k tokens) — trying Opus if none by 60 s (its first-token limit)");
  assert.equal(attemptFailedNotice({ model: "lmstudio/m", outcome: "timeout", next: "anthropic/claude-opus-4-5" }, named), "Local timed out — trying Opus");
  assert.equal(attemptFailedNotice({ model: "lmstudio/m", outcome: "stream-broken", next: "lmstudio/m" }, named), "Local connection dropped mid-answer — trying it again");
  assert.equal(loadingNotice({ type: "model-loading", model: "lmstudio/m", waiting: true }, named), "loading Local on the local server — waiting for it");
  assert.equal(queuedNotice({ type: "attempt-queued", model: "lmstudio/m", running: 2, ahead: 1, awaiting: "cache" }, named), "waiting for room in the cache that Local's server shares among its requests (2 running, 1 waiting before this one)");
  // Without names (a channel that has no catalog), every model by its ref: still one name each.
  assert.equal(waitingNotice(waiting), "no reply from lmstudio/m for 8 s (prompt 6k tokens) — trying anthropic/claude-opus-4-5 if none by 60 s (its first-token limit)");
});

test("a model not waited on because its server had just hung (or refused) for another model is said so, not as 'failing recently' (t3 finding 3)", () => {
  const notice = fallbackNotice(
    [
      { model: "lmstudio/m", outcome: "timeout", ms: 15_000 },
      { model: "lmstudio/n", outcome: "skipped-cooldown", ms: 0, message: "its server http://127.0.0.1:1234/v1 hung for lmstudio/m 0 s ago: not waited on again", silentServer: { failed: "hung", model: "lmstudio/m" } },
      { model: "openai/gpt-5", outcome: "ok", ms: 1 },
    ],
    catalog,
  );
  assert.equal(notice, "answered by openai/gpt-5 — lmstudio/m (local server) timed out; lmstudio/n not waited on: its server had just hung for lmstudio/m");
  const refused = fallbackNotice(
    [
      { model: "lmstudio/m", outcome: "unreachable", ms: 3 },
      { model: "lmstudio/n", outcome: "skipped-cooldown", ms: 0, message: "the router's words may change", silentServer: { failed: "refused", model: "lmstudio/m" } },
      { model: "openai/gpt-5", outcome: "ok", ms: 1 },
    ],
    catalog,
  );
  assert.equal(refused, "answered by openai/gpt-5 — lmstudio/m (local server) unreachable; lmstudio/n not waited on: its server had just refused the connection for lmstudio/m");
  // The notice reads the attempt's data (Attempt.silentServer), never the router's wording: a cooldown whose message merely reads alike is a cooldown.
  const lookalike = fallbackNotice(
    [
      { model: "lmstudio/m", outcome: "timeout", ms: 15_000 },
      { model: "lmstudio/n", outcome: "skipped-cooldown", ms: 0, message: "its server http://127.0.0.1:1234/v1 hung for lmstudio/m 0 s ago: not waited on again" },
      { model: "openai/gpt-5", outcome: "ok", ms: 1 },
    ],
    catalog,
  );
  assert.equal(lookalike, "answered by openai/gpt-5 — lmstudio/m (local server) timed out; lmstudio/n skipped after failing recently");
});

test("a load an earlier turn saw begin says how long it has loaded: in the loading line, the fallback notice and the transcript's (t14 finding 1)", () => {
  assert.equal(loadingNotice({ type: "model-loading", model: "llamacpp/m", waiting: true, forMs: 3 * 60_000 }), "llamacpp/m is still loading on the local server (for 3 min) — waiting for the rest of its cold-load limit");
  assert.equal(loadingNotice({ type: "model-loading", model: "llamacpp/m", waiting: false, forMs: 45_000 }), "llamacpp/m is still loading on the local server (for 45 s) — the next model answers meanwhile");
  const loading = { model: "llamacpp/m", outcome: "loading", ms: 3, loadingMs: 12 * 60_000 } as const;
  const answered = { model: "anthropic/claude-opus-4-5", outcome: "ok", ms: 900 } as const;
  const describe = (ref: string) => ({ name: ref === "llamacpp/m" ? "Local" : "Paid", local: ref === "llamacpp/m" });
  assert.equal(fallbackNotice([loading, answered], describe), "answered by Paid — Local (local server) still loading the model (for 12 min)");
  // As the session file keeps the attempt, and as its transcript says it again.
  const kept = record({ ...loading, model: "llamacpp/m" as never });
  assert.equal(kept.loadingMs, 12 * 60_000);
  assert.equal(fallbackNotice([kept, answered], describe), "answered by Paid — Local (local server) still loading the model (for 12 min)");
  assert.equal(fallbackNotice([{ ...loading, loadingMs: 3 * 3_600_000 }, answered], describe), "answered by Paid — Local (local server) still loading the model (for 3 h)");
});
