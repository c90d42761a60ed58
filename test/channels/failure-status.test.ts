import assert from "node:assert/strict";
import { test } from "node:test";
import type { AttemptSummary } from "../../src/channels/http/openai/answer-events.js";
import { attemptCauses, attemptSummary, failureFor, withCauses } from "../../src/channels/http/openai/failure-status.js";

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
  assert.equal(statusOf([attempt("anthropic/c", "skipped-no-key")], undefined), "502 upstream_failed");
  assert.equal(statusOf([attempt("home/m", "unreachable"), attempt("other/m", "timeout")], "timeout"), "503 no_model_available");
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
