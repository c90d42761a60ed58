// Two classes a trial found unmasked: a piece of a key (its first or last characters cut off: `cut
// -c5-`, a log that truncates, an upstream echoing `…k-ant-api03-AbCd…`), and a key in base32
// (`base32`, `base32 -w0`, Python's `base64.b32encode`, lower case, unpadded). Both are masked now,
// whole and streamed in pieces of any size, by the real tools' output too; ordinary text is not.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { test } from "node:test";
import type { AgentEvent } from "../../src/agent/agent-events.js";
import { TurnRedactor } from "../../src/gateway/turn-redactor.js";
import { base32 } from "../../src/shared/secret-encodings.js";
import { partialWindow } from "../../src/shared/secret-partial-runs.js";
import { SecretRedactor } from "../../src/shared/secret-redactor.js";

// A provider's key (random, 108 characters) and one not key-shaped (no "sk-": only knowing it masks it).
const ANTHROPIC = "sk-ant-api03-Qm7vT2xKp9LwR4nB8cZs1HdY6gJf3EaU0oNiV5tXqWk-7bMeP2rCy9LuG4hSd1FzA8jKx3nQw6VtR0pYm5sD-Hc2gA9kLzAA";
const KEY = "canary-Pieces-9f4b1e7a3c5d2086";
const WINDOW = partialWindow(KEY.toLowerCase());

const shell = (command: string, args: string[], input: string): string => execFileSync(command, args, { input }).toString();

/** Every run of `secret`'s characters (its form `form`) that stands in `text` as written, any letter case, `length` long or more. */
function leakedRun(text: string, form: string, length: number): string | undefined {
  const lower = text.toLowerCase();
  for (let at = 0; at + length <= form.length; at++) if (lower.includes(form.slice(at, at + length).toLowerCase())) return form.slice(at, at + length);
  return undefined;
}

function streamed(redactor: SecretRedactor, text: string, size: number): string {
  const turn = new TurnRedactor(redactor);
  const out: AgentEvent[] = [];
  for (let at = 0; at < text.length; at += size) out.push(...turn.event({ type: "text-delta", delta: text.slice(at, at + size) }));
  out.push(...turn.flush());
  return out.map((event) => (event.type === "text-delta" ? event.delta : "")).join("");
}

test("the window: a random key's run is masked from 13 to 16 characters on, a value of words' only from 16, a value no longer than its window whole only", () => {
  assert.ok(partialWindow(ANTHROPIC.toLowerCase()) >= 13 && partialWindow(ANTHROPIC.toLowerCase()) <= 15, String(partialWindow(ANTHROPIC.toLowerCase())));
  assert.equal(WINDOW, 16);
  assert.equal(partialWindow("correcthorsebattery"), 16);
  const redactor = new SecretRedactor(["abcdefghijkl"]);
  assert.equal(redactor.redact("abcdefghijk and bcdefghijkl"), "abcdefghijk and bcdefghijkl");
});

test("a key with its first or last characters cut off, at any offset, in any letter case, is masked; a piece shorter than the window is not", () => {
  for (const secret of [ANTHROPIC, KEY]) {
    const redactor = new SecretRedactor([secret]);
    const window = partialWindow(secret.toLowerCase());
    for (let cut = 1; cut + window <= secret.length; cut++) {
      for (const piece of [secret.slice(cut), secret.slice(0, secret.length - cut), secret.slice(cut, cut + window)]) {
        for (const written of [piece, piece.toUpperCase()]) {
          const out = redactor.redact(`upstream said: ...${written}... (truncated)`);
          assert.equal(out, "upstream said: ...***... (truncated)", `${JSON.stringify(written)}: ${out}`);
        }
      }
    }
    // Shorter than the window: no leak, shown (a key's first characters, "sk-ant-api03-", are no secret).
    const short = secret.slice(7, 7 + window - 1);
    assert.equal(redactor.redact(`piece ${short} end`), `piece ${short} end`);
  }
});

test("a key split over two lines (cut, fold) has each half masked where it is a window long", () => {
  const redactor = new SecretRedactor([ANTHROPIC]);
  const folded = shell("fold", ["-w", "40"], ANTHROPIC);
  const out = redactor.redact(`key:\n${folded}\nend`);
  assert.equal(leakedRun(out, ANTHROPIC, partialWindow(ANTHROPIC.toLowerCase())), undefined, out);
  for (const from of ["5", "20", "60"]) {
    const cut = shell("cut", [`-c${from}-`], `${ANTHROPIC}\n`);
    assert.equal(redactor.redact(`cut -c${from}-: ${cut}`), `cut -c${from}-: ***\n`);
  }
  assert.equal(redactor.redact(shell("cut", ["-c-40"], `${ANTHROPIC}\n`)), "***\n");
});

test("a piece of the key's hex, base64 (cut -c5- of base64's output) and base32 is masked", () => {
  const redactor = new SecretRedactor([KEY]);
  const hex = Buffer.from(KEY).toString("hex");
  for (const user of ["", "u:", "user:", "deploy:"]) {
    const b64 = Buffer.from(`${user}${KEY}`).toString("base64");
    const b32 = shell("base32", ["-w0"], `${user}${KEY}`);
    for (const cut of [5, 9, 13]) {
      for (const [name, encoded] of [["base64", b64], ["base32", b32], ["base32 lower", b32.toLowerCase()], ["hex", hex]] as const) {
        const piece = shell("cut", [`-c${cut}-`], `${encoded}\n`).trim();
        const out = redactor.redact(`data ${piece} end`);
        assert.match(out, /^data [A-Za-z0-9+/]{0,8}\*\*\*[A-Za-z0-9+/=]{0,8} end$/, `${name} after ${JSON.stringify(user)}, cut -c${cut}-: ${out}`);
      }
    }
  }
});

test("base32 of a key, as base32, base32 -w0 and Python write it (upper, lower, padded or not, at each byte offset), is masked", () => {
  const redactor = new SecretRedactor([KEY]);
  for (const before of ["", "u", "us", "use", "user", "user:"]) {
    const input = `${before}${KEY}`;
    const wrapped = shell("base32", [], input);
    const oneLine = shell("base32", ["-w0"], input);
    const python = shell("python3", ["-c", "import base64, sys; e = base64.b32encode(sys.stdin.buffer.read()); print(e.decode(), e.decode().lower(), e.decode().rstrip('='), e)"], input);
    assert.equal(oneLine, base32(Buffer.from(input)).padEnd(Math.ceil(oneLine.length / 8) * 8, "="));
    for (const [name, output] of [["base32", wrapped], ["base32 -w0", oneLine], ["python3", python]] as const) {
      const out = redactor.redact(`$ ${name}\n${output}`);
      for (const line of out.split("\n").slice(1)) for (const word of line.split(" ")) assert.match(word, /^(?:b')?[A-Za-z2-7]{0,8}(?:\*\*\*[A-Za-z2-7=]{0,8}'?)?$/, `${name} after ${JSON.stringify(before)}: ${out}`);
      assert.ok(out.includes("***"), out);
    }
  }
});

test("streamed in pieces of every size, a key's piece and its base32 are masked: never a window of it shown, and every other character shown", () => {
  const redactor = new SecretRedactor([KEY]);
  const b32 = base32(Buffer.from(`user:${KEY}`));
  const text = `an error: ...${KEY.slice(5)} (cut) and ${b32} and ${b32.toLowerCase()} and ${KEY.slice(0, -4)}. End of the answer.`;
  const whole = redactor.redact(text);
  // "user:" in base32 is OVZWK4R2, the key's bytes alone after it.
  assert.equal(whole, "an error: ...*** (cut) and OVZWK4R2*** and ovzwk4r2*** and ***. End of the answer.");
  // A run's first few characters (fewer than HELD_RUN) may show before the mask in a stream; nothing else differs.
  const likeWhole = new RegExp(`^${whole.replace(/[.*+?^${}()|[\]\\]/g, "\\$&").replaceAll("\\*\\*\\*", "[A-Za-z0-9=-]{0,3}\\*\\*\\*")}$`);
  const b32Form = base32(Buffer.from(KEY)).slice(1, -1);
  for (let size = 1; size <= 24; size++) {
    const shown = streamed(redactor, text, size);
    assert.equal(leakedRun(shown, KEY, WINDOW), undefined, `pieces of ${size}: ${shown}`);
    assert.equal(leakedRun(shown, b32Form, 16), undefined, `pieces of ${size}: ${shown}`);
    assert.match(shown, likeWhole, `pieces of ${size}`);
  }
});

test("ordinary text beside a key — long words, identifiers, hashes, base32-looking text — is not masked, whole or streamed, and not held back", () => {
  const redactor = new SecretRedactor([KEY, ANTHROPIC, "correcthorsebattery"]);
  const corpus = [
    "internationalization and counterrevolutionaries, incomprehensibilities",
    "const canaryPiecesConfigurationManagerFactory = createCanaryFactory();",
    "sk-ant-api03- is how an Anthropic key begins; canary-Pieces- is the test's prefix",
    "commit 3e1d2c3b4a5f60718293a4b5c9f4b1e7a3c5d20 and uuid 123e4567-e89b-12d3-a456-426614174000",
    "MFRGGZDFMZTWQ2LKNNWG23TPOBYXE43UOV3HO6DZPI====== is the alphabet in base32, JBSWY3DPEHPK3PXP a TOTP seed",
    "nothing encoded here QUJD, correcthorse, battery staple",
  ];
  for (const text of corpus) {
    assert.equal(redactor.redact(text), text);
    for (const size of [1, 3, 7]) assert.equal(streamed(redactor, text, size), text);
  }
  for (const text of ["nothing encoded here QUJD", "the answer is forty-two", "JBSWY3DPEHPK3PXP"]) assert.equal(redactor.partialFrom(text), text.length, text);
});

test("a key that repeats characters of its own is masked where its pieces overlap (the form matched at two offsets at once), whole and streamed", () => {
  // Its window is 16 (2 bits a character): "b5xjb…jb" is the key from its 4th character, "5xjb…5x" from its 1st; each is a run of it.
  const redactor = new SecretRedactor(["5xjb5xjb5xjb5xjb5xjb"]);
  const text = "echoed: b5xjb5xjb5xjb5xjb5x (and Q5xjb5xjb5xjb5xjb5xjb5Q)";
  assert.equal(redactor.redact(text), "echoed: *** (and Q***Q)");
  for (let size = 1; size <= 24; size++) {
    // A run's first few characters (fewer than HELD_RUN) may show before the mask in a stream; none after it.
    assert.match(streamed(redactor, text, size), /^echoed: [b5xj]{0,3}\*\*\* \(and Q[5xjb]{0,3}\*\*\*Q\)$/, `pieces of ${size}`);
  }
});
