import assert from "node:assert/strict";
import { test } from "node:test";
import type { AttemptSummary } from "../../src/channels/http/openai/answer-events.js";
import { attemptSummary, failureFor, withCauses } from "../../src/channels/http/openai/failure-status.js";
import { attemptCauses } from "../../src/models/attempt-causes.js";

const attempt = (model: string, outcome: string): AttemptSummary => ({ model, outcome }) as AttemptSummary;
const statusOf = (attempts: AttemptSummary[], lastKind: string | undefined) => {
  const failure = failureFor({ message: "no model answered", attempts, lastKind });
  return `${failure.status} ${failure.code}`;
};

test("a request too long for every model that could take it is 400 context_length_exceeded, whatever the fallbacks without a key or kept out by policy", () => {
  assert.equal(statusOf([attempt("home/m", "context-overflow"), attempt("anthropic/c", "skipped-no-key"), attempt("openai/g", "skipped-no-key")], "context-overflow"), "400 context_length_exceeded");
  assert.equal(statusOf([attempt("home/m", "context-overflow"), attempt("openai/g", "skipped-policy")], "context-overflow"), "400 context_length_exceeded");
  assert.equal(statusOf([attempt("home/m", "skipped-context"), attempt("other/m", "context-overflow")], "context-overflow"), "400 context_length_exceeded");
});

test("a fallback that was down, or only keyless ones, is not a request too long: 503 / 502 as before", () => {
  assert.equal(statusOf([attempt("home/m", "context-overflow"), attempt("other/m", "unreachable")], "unreachable"), "502 upstream_failed");
  assert.equal(statusOf([attempt("anthropic/c", "skipped-no-key")], undefined), "503 no_model_available", "nothing could be asked: no server did anything wrong");
  assert.equal(statusOf([attempt("home/m", "unreachable"), attempt("other/m", "timeout")], "timeout"), "503 no_model_available");
});

test("the status follows the candidates that could be asked, whatever keyless or policy-kept ones the chain also holds (every mix of outcomes)", () => {
  // What each outcome of a candidate that was asked (or skipped for the moment) makes of a chain of it alone.
  const alone: Record<string, string> = {
    unreachable: "503 no_model_available", // refused: nothing listening
    timeout: "503 no_model_available",
    "skipped-cooldown": "503 no_model_available",
    "cold-loading": "503 no_model_available",
    overloaded: "503 no_model_available", // answered 503 / 529
    "rate-limit": "503 no_model_available", // answered 429
    "model-not-found": "503 no_model_available", // answered 404: not loaded
    "server-error": "502 upstream_failed", // answered 500
    auth: "502 upstream_failed", // answered 401 / 403
    "stream-broken": "502 upstream_failed",
    "bad-request": "400 upstream_bad_request", // answered 400
    "context-overflow": "400 context_length_exceeded",
  };
  for (const [outcome, expected] of Object.entries(alone)) {
    for (const never of [[], ["skipped-no-key"], ["skipped-policy"], ["skipped-no-key", "skipped-policy"]]) {
      const chain = [attempt("home/m", outcome), ...never.map((skipped, index) => attempt(`hosted/${index}`, skipped))];
      // The last failed attempt's outcome is the failure's kind: a keyless tail's skip when it comes after.
      assert.equal(statusOf(chain, never.at(-1) ?? outcome), expected, `${outcome}, then ${never.join(", ") || "nothing else"}`);
      assert.equal(statusOf([...chain].reverse(), outcome), expected, `${never.join(", ") || "nothing"}, then ${outcome}`);
    }
  }
  assert.equal(statusOf([attempt("home/m", "unreachable"), attempt("home/n", "server-error"), attempt("anthropic/c", "skipped-no-key")], "server-error"), "502 upstream_failed", "one server did something wrong");
  assert.equal(statusOf([attempt("home/m", "skipped-cooldown"), attempt("home/n", "timeout"), attempt("anthropic/c", "skipped-no-key")], "timeout"), "503 no_model_available");
  assert.equal(statusOf([attempt("openai/g", "skipped-policy"), attempt("anthropic/c", "skipped-no-key")], "skipped-no-key"), "503 no_model_available", "none could be asked");
});

test("a turn broken by a fault in hearth (the cause 'fault') is 500 internal_error, whatever its candidates did or the turn's attempts say", () => {
  const fault = (attempts: AttemptSummary[], lastKind: string | undefined) => failureFor({ message: "a fault in hearth while choosing and calling a model (hearth's log says what)", attempts, lastKind, cause: "fault" });
  for (const attempts of [[], [attempt("home/m", "unreachable")], [attempt("home/m", "context-overflow")], [attempt("home/m", "bad-request")], [attempt("home/m", "skipped-fields")]]) {
    const failure = fault(attempts, attempts.at(-1)?.outcome);
    assert.deepEqual({ status: failure.status, type: failure.type, code: failure.code }, { status: 500, type: "server_error", code: "internal_error" }, JSON.stringify(attempts));
  }
  // The same attempts told another cause are the models' (or the request's) doing, as before.
  assert.equal(`${failureFor({ message: "m", attempts: [], lastKind: undefined, cause: "permanent" }).status}`, "400");
  assert.equal(`${failureFor({ message: "m", attempts: [attempt("home/m", "unreachable")], lastKind: "unreachable", cause: "transient" }).status}`, "503");
});

test("the message says each failed attempt's cause: the router's summary becomes the list with causes; another message gets the causes it lacks", () => {
  const down = attemptSummary({ model: "home/m", outcome: "unreachable", ms: 2, message: "home/m: cannot reach 127.0.0.1:1234: connection refused" });
  const keyless = attemptSummary({ model: "anthropic/c", outcome: "skipped-no-key", ms: 0, message: "ANTHROPIC_API_KEY is not set" });
  const answered = attemptSummary({ model: "other/m", outcome: "ok", ms: 9, message: "ignored" });
  assert.deepEqual(down, { model: "home/m", outcome: "unreachable", ms: 2, cause: "cannot reach 127.0.0.1:1234: connection refused" });
  assert.equal(answered.cause, undefined);
  assert.equal(
    withCauses("no model could answer (home/m: unreachable; anthropic/c: skipped-no-key)", [down, keyless]),
    "no model could answer: home/m: unreachable — cannot reach 127.0.0.1:1234: connection refused; anthropic/c: skipped-no-key — ANTHROPIC_API_KEY is not set",
  );
  assert.equal(withCauses("the turn was refused", [down, answered]), "the turn was refused — home/m: unreachable — cannot reach 127.0.0.1:1234: connection refused");
  assert.equal(withCauses("home/m: cannot reach 127.0.0.1:1234: connection refused", [down]), "home/m: cannot reach 127.0.0.1:1234: connection refused", "a cause the message already says is not repeated");
  assert.equal(attemptCauses([down, answered], 12), "home/m: unreachable — cannot reach…", "the log's cut");
});
