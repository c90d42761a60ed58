// Key-shaped tokens (`sk-…`, `ghp_…`, `xox…-`, `AKIA…`, `Bearer …`) in a text streamed in pieces: a
// trial (t9) saw one split over deltas reach clients in clear, since each piece was masked alone. A
// stream now shows, joined, exactly what the whole text masked shows, wherever it is cut; what could
// be a key's start is held until the next piece decides it, never longer than LONGEST_KEY, and
// nothing is lost.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { AgentEvent } from "../../src/agent/agent-events.js";
import { TurnRedactor } from "../../src/gateway/turn-redactor.js";
import { KeyShapeStream } from "../../src/shared/key-shape-stream.js";
import { LONGEST_KEY, maskKeyShapes } from "../../src/shared/key-shapes.js";
import { SecretRedactor } from "../../src/shared/secret-redactor.js";
import { SecretStream } from "../../src/shared/secret-stream.js";

/** Texts holding each shape, with what masking leaves of them. */
const TEXTS = [
  ["my key is sk-proj-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcdefGHIJ and that is it.", "my key is *** and that is it."],
  ["anthropic: sk-ant-api03-Qm7vT2xKp9LwR4nB8cZs1HdY6gJf3EaU0oNiV5tXqWk-7bMeP2rCy9LuG4hSd1FzA8jKx3nQw6VtR0pYm5sD-Hc2gA9kLzAA.", "anthropic: ***."],
  ["openrouter (sk-or-v1-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef)", "openrouter (***)"],
  ["gh ghp_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789, gho_0123456789abcdefghijABCD", "gh ***, ***"],
  ["fine github_pat_11ABCDEFG0123456789abcd_ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456 end", "fine *** end"],
  ["slack xoxb-1234567890-abcdefABCDEF, aws AKIAABCDEFGHIJ234567 (AKIAABCDEFGHIJ234567XYZ)", "slack ***, aws *** (***XYZ)"],
  ["Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.e30.sig\nauthorization: bearer \t abc.def.1234567890", "Authorization: Bearer ***\nauthorization: bearer \t ***"],
  ["Bearer sk-proj-0123456789abcdefghij and Bearer a/Bearer 12345678", "Bearer *** and Bearer a/Bearer ***"],
] as const;

/** Not keys: prose and code that only begin like one. */
const PROSE = "github_pat_ github_pat_short ask-me-anything sk-learn-tutorial-for-beginners ghp_short xoxb-1 AKIAshort Bearer authentication (bearer tokens) s sk sk- gh xox AKIA Bearer";

function streamed(stream: { push(piece: string): string; end(): string }, pieces: readonly string[]): string {
  return pieces.map((piece) => stream.push(piece)).join("") + stream.end();
}

/** Every way of cutting `text` in two, and one character a piece. */
function cuttings(text: string): string[][] {
  return [...Array.from({ length: text.length - 1 }, (_, at) => [text.slice(0, at + 1), text.slice(at + 1)]), [...text]];
}

test("each shape, cut at every position and a character a piece, is masked in the stream as in the whole text", () => {
  const known = new SecretRedactor(["canary-header-value-41d2e8", "p@ss/word-0123"]);
  const none = new SecretRedactor();
  for (const [text, masked] of TEXTS) {
    assert.equal(maskKeyShapes(text), masked, text);
    assert.equal(none.redact(text), masked, text);
    for (const pieces of cuttings(text)) {
      const where = JSON.stringify(pieces.length === 2 ? pieces : "by one");
      assert.equal(streamed(new KeyShapeStream(), pieces), masked, `the shapes' stream, ${where}`);
      assert.equal(streamed(new SecretStream(none), pieces), masked, `a secret stream knowing no secret, ${where}`);
      assert.equal(streamed(new SecretStream(known), pieces), known.redact(text), `a secret stream knowing secrets, ${where}`);
    }
  }
});

test("the gateway's turn masking: a key split over deltas reaches no listener, text and reasoning", () => {
  const [text, masked] = TEXTS[0];
  for (const pieces of cuttings(text)) {
    const turn = new TurnRedactor(new SecretRedactor());
    const out: AgentEvent[] = [];
    for (const piece of pieces) out.push(...turn.event({ type: "reasoning-delta", delta: piece }), ...turn.event({ type: "text-delta", delta: piece }));
    out.push(...turn.event({ type: "notice", text: "done" }));
    const joined = (type: string): string => out.map((event) => (event.type === type && "delta" in event ? event.delta : "")).join("");
    assert.equal(joined("text-delta"), masked);
    assert.equal(joined("reasoning-delta"), masked);
    for (const event of out) assert.ok(!JSON.stringify(event).includes("AbCdEf"), JSON.stringify(event));
  }
});

test("prose that only begins like a key is shown whole, and let go as soon as the next piece says it is no key", () => {
  for (const pieces of cuttings(PROSE)) assert.equal(streamed(new KeyShapeStream(), pieces), PROSE);
  const stream = new KeyShapeStream();
  assert.equal(stream.push("I like s"), "I like ");
  assert.equal(stream.push("un and sk-learn-tutorial"), "sun and ");
  assert.equal(stream.push(" now"), "sk-learn-tutorial now");
  assert.equal(stream.push(" Bear"), " ");
  assert.equal(stream.push("ers win"), "Bearers win");
  // A kept head is shown as soon as its gap begins; its token is held.
  assert.equal(stream.push(" Bearer "), " Bearer ");
  assert.equal(stream.push("abc"), "");
  assert.equal(stream.push("defgh."), "");
  assert.equal(stream.push(" ok"), "abcdefgh. ok");
  assert.equal(stream.end(), "");
});

test("a key decided goes out masked at once; its further characters are dropped as they come", () => {
  const stream = new KeyShapeStream();
  assert.equal(stream.push("key sk-proj-0123456789abcdef"), "key ***");
  assert.equal(stream.heldLength, 0);
  assert.equal(stream.push("ghijklmnop"), "");
  assert.equal(stream.push("qrs and more"), " and more");
  assert.equal(stream.push(" Bearer 12345678"), " Bearer ***");
  assert.equal(stream.push("9abc.def end"), " end");
  assert.equal(stream.end(), "");
});

test("nothing is held longer than LONGEST_KEY: a run with no digit is let go there, a kept head's gap never held", () => {
  const stream = new KeyShapeStream();
  let shown = stream.push("see ");
  const run = `sk-${"a".repeat(LONGEST_KEY * 3)}`;
  let most = 0;
  for (const character of run) {
    shown += stream.push(character);
    most = Math.max(most, stream.heldLength);
  }
  // Let go at its LONGEST_KEY-th character: no key has its first digit later.
  assert.equal(most, LONGEST_KEY - 1);
  assert.equal(shown, `see ${run}`);
  shown += stream.push(" Bearer");
  for (let space = 0; space < 10_000; space++) shown += stream.push(" ");
  assert.equal(stream.heldLength, 0);
  for (const character of `x${"y".repeat(LONGEST_KEY * 2)}1`) {
    shown += stream.push(character);
    assert.ok(stream.heldLength < LONGEST_KEY, `${stream.heldLength} held`);
  }
  shown += stream.end();
  const whole = `see ${run} Bearer${" ".repeat(10_000)}x${"y".repeat(LONGEST_KEY * 2)}1`;
  assert.equal(shown, whole);
  assert.equal(maskKeyShapes(whole), whole, "the whole text agrees: no digit within a key's length, no key");
  assert.equal(maskKeyShapes(`sk-${"a".repeat(LONGEST_KEY - 5)}1`), "***");
});

test("texts of shapes' pieces cut at random: the stream always shows what the whole text masked shows", () => {
  // A fixed sequence (a linear congruential generator): the same cases every run.
  let seed = 20261204;
  const next = (): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
  const fragments = ["sk-", "sk-proj-", "ghp_", "github_pat_", "gho_", "xoxb-", "AKIA", "Bearer ", "bearer\t", "BEARER  ", " ", "-", "_", ".", "/", "a", "Z", "1", "abcdefgh", "ABCDEFGHIJ", "0123456789", "\n", "ask-", "x", "*", "=", "é"];
  let masked = 0;
  for (let run = 0; run < 5000; run++) {
    const text = Array.from({ length: 1 + Math.floor(next() * 25) }, () => pick(fragments)).join("");
    const pieces: string[] = [];
    for (let at = 0; at < text.length; ) {
      const size = 1 + Math.floor(next() * 6);
      pieces.push(text.slice(at, at + size));
      at += size;
    }
    const whole = maskKeyShapes(text);
    if (whole !== text) masked++;
    assert.equal(streamed(new KeyShapeStream(), pieces), whole, JSON.stringify(pieces));
  }
  assert.ok(masked > 500, `${masked} of the texts hold a key`);
});

test("a known key the stream ends on, then punctuation, keeps the punctuation (a character of the answer); a key's beginning it stops on is masked", () => {
  const key = "zq8Hc2VwLp5Rt9Ny4Kd7Mf3Bx6Gs1Jv";
  const known = new SecretRedactor([key]);
  for (const [text, shown] of [
    [`the key is ${key}.`, "the key is ***."],
    [`(${key})`, "(***)"],
    [`it is ${key}!?`, "it is ***!?"],
    [`stopped at ${key.slice(0, 10)}`, "stopped at ***"],
  ] as const) {
    for (const pieces of cuttings(text)) assert.equal(streamed(new SecretStream(known), pieces), shown, `${text} cut as ${JSON.stringify(pieces)}`);
  }
});
