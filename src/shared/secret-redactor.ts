import { endsInHalfPair, foldCompatibility, unfoldIndex, unfoldSpans } from "./compatibility-fold.js";
import { maskKeyShapes } from "./key-shapes.js";
import { isPlaceholderKey } from "./placeholder-keys.js";
import { REDACTED } from "./redacted.js";
import { base32Runs, base64Runs } from "./secret-encodings.js";
import { mergeSpans, SecretMatcher } from "./secret-matcher.js";
import { decodeEscapes, normalForm } from "./secret-normal-form.js";
import { PartialRuns, partialWindow, type PartialForm } from "./secret-partial-runs.js";
import { isKeyLike, variantForms, type VariantForms } from "./secret-variants.js";

export { MIN_ENCODED_LENGTH } from "./secret-encodings.js";
export { REDACTED } from "./redacted.js";

/**
 * Masks secrets in text before hearth prints, logs or stores it. An instance knows the secret values
 * in play (API keys, header values, URL credentials); `redact` replaces every occurrence of each, in
 * any letter case (a server may echo a key uppercased), and every key-shaped token (`sk-…`,
 * `sk-ant-…`, `Bearer …`: key-shapes.ts), with "***". A text streamed in pieces is masked by a
 * SecretStream (secret-stream.ts), which holds back what could be a secret's beginning.
 *
 * Each is masked in its encoded forms too: hex and base32 (any letter case), and base64, standard
 * and URL-safe, at any byte offset within the encoded data (`Authorization: Basic base64(user:key)`
 * echoed by a server) — for each alignment, the run of characters that depends on the secret's bytes
 * alone, so the one or two characters at each end that mix in neighbouring bytes stay
 * (secret-encodings.ts). And a piece of a key — a run of its characters, or of its hex, base64 or
 * base32, at any offset, as long as its window or longer (the key with its first characters cut off,
 * a truncated echo) — is masked where it stands unbroken (secret-partial-runs.ts).
 *
 * Matching is done in the text's normal form (secret-normal-form.ts): escapes decoded, separators
 * dropped. So a key percent-encoded (any character, `%2D`, also twice: `%252D`), JSON-escaped
 * (`\u002d`) or HTML-escaped (`&#45;`, `&sol;`), hex written with separators (`de:ad:be:ef`,
 * `DE AD BE EF`, `de-ad-be-ef`, `\x41\x42`, `0x41, 0x42`, octal `\163\153`) or dumped (`hexdump -C`,
 * `xxd`, `xxd -e`: secret-dump.ts), a key's bytes written as numbers in any base and layout (decimal
 * lists, `od`, `hexdump`: secret-numbers.ts), base64 wrapped every N characters and a key spaced out (`s k - a b c`), joined
 * (`s-k-a-b-c`) or with zero-width characters between are masked too, from their first character to
 * their last. A form matched across separators is masked only where the text is spaced out, joined or
 * wrapped (secret-matcher.ts): "correct horse" in prose is not a secret "correcthorse…" however its
 * letters line up. Most text is proved to hold no form by one cheap scan (secret-prefilter.ts).
 *
 * Matching is done in the text's compatibility fold too (compatibility-fold.ts): a key in fullwidth
 * (`ｓｋ－ｐｒｏｊ－…`), mathematical (`𝐬𝐤-…`), circled (`ⓢⓚ-…`), superscript or other forms NFKC folds
 * to ASCII reads as the key, in every form above, and the characters of the text are masked (a fold
 * can change the text's length: spans are mapped back). Text with nothing past ASCII is its own fold.
 *
 * A key's variants are forms too (secret-variants.ts): its skeleton (letters and digits alone,
 * matched in the text's skeleton: separators dropped, swapped or put between its characters), rot13,
 * reversed, UTF-16, and two encodings deep (base64 of base64, hex of base64, …).
 *
 * Values shorter than MIN_SECRET_LENGTH are not masked as written: real keys are far longer, and
 * placeholders such as LM Studio's "lmstudio" or Ollama's "ollama" would otherwise be masked inside
 * model names, URLs and answers. From MIN_ENCODED_SECRET_LENGTH on they are masked in hex and base64,
 * forms no ordinary word takes (a short URL password echoed in a Basic header). (`config show` hides
 * the `apiKey` field whatever its length.)
 */
export const MIN_SECRET_LENGTH = 12;
/** The shortest value masked in its encodings (hex, base64) though not as written. */
export const MIN_ENCODED_SECRET_LENGTH = 8;

/** A name that says its value is secret (apiKey, ANTHROPIC_API_KEY, token, client_secret, password, …). */
export const SECRET_NAME = /(?:api[-_]?key|key|token|secret|password|passwd|passphrase|auth|authorization|credential|cookie|sig|signature)$/i;

/** An environment variable holding a secret: ANTHROPIC_API_KEY, GITHUB_TOKEN, AWS_SECRET_ACCESS_KEY, DB_PASSWORD, … */
export const SECRET_VARIABLE = /(?:KEY|TOKEN|SECRET|PASSWORD|PASSWD|PASS|CREDENTIALS?|AUTH)$/i;

/** The fewest characters a known secret masked takes: a value as written in normal form (its separators dropped), a base64 run, a hex. */
const SHORTEST_MASKED = MIN_ENCODED_SECRET_LENGTH;

export class SecretRedactor {
  private readonly secrets = new Set<string>();
  private matcher = new SecretMatcher([], []);
  private partial = new PartialRuns([]);

  constructor(values: Iterable<string | undefined> = []) {
    this.add(values);
  }

  /** Learns more secret values (the config's, once it is loaded). Short and empty values, and the placeholders local servers document, are ignored. */
  add(values: Iterable<string | undefined>): this {
    for (const value of values) {
      if (value === undefined) continue;
      const trimmed = value.trim();
      if (trimmed.length < MIN_ENCODED_SECRET_LENGTH || isPlaceholderKey(trimmed)) continue;
      this.secrets.add(trimmed);
      // A value with compatibility forms of its own is matched in the text's fold as its fold.
      const folded = foldCompatibility(trimmed)?.text;
      if (folded !== undefined && folded.length >= MIN_ENCODED_SECRET_LENGTH) this.secrets.add(folded);
    }
    const longestFirst = (a: string, b: string) => b.length - a.length;
    const long = [...this.secrets].filter((secret) => secret.length >= MIN_SECRET_LENGTH);
    // A value is matched as written only while its normal form is as long as a short value's (a value mostly of separators is not).
    const plain = long.map((secret) => normalForm(secret).toLowerCase()).filter((form) => form.length >= MIN_ENCODED_SECRET_LENGTH);
    const hex = [...this.secrets].map((secret) => Buffer.from(secret, "utf8").toString("hex"));
    const base32 = [...new Set([...this.secrets].flatMap(base32Runs))];
    // A key's skeleton, rot13, reversed, UTF-16 and two encodings deep (secret-variants.ts).
    const variants = new Map(long.map((secret) => [secret, variantForms(secret)]));
    const bounds = new Map([...variants.values()].flatMap((each) => each.skeletons.map((skeleton) => [skeleton.text, skeleton.bounds] as const)));
    const variant = [...variants.values()].flatMap((each) => each.forms);
    const caseless = [...new Set([...plain, ...hex, ...base32, ...variant.filter((form) => form.caseless).map((form) => form.text)])].sort(longestFirst);
    const exact = [...new Set([...[...this.secrets].flatMap(base64Runs), ...variant.filter((form) => !form.caseless).map((form) => form.text)])].sort(longestFirst);
    // A base32 run's beginning is held back in a stream by the partial runs, from HELD_RUN characters on (secret-partial-runs.ts), not from its first letter; so are the variants' (secret-variants.ts).
    const held = new Set([...plain, ...hex, ...[...this.secrets].flatMap(base64Runs), ...variant.filter((form) => form.held).map((form) => form.text)]);
    const own = new Set([...plain, ...hex, ...base32, ...[...this.secrets].flatMap(base64Runs)]);
    const forms = [
      ...caseless.map((text) => ({ text, caseless: true, held: held.has(text), bounds: bounds.get(text), variant: !own.has(text) })),
      ...exact.map((text) => ({ text, caseless: false, held: held.has(text), variant: !own.has(text) })),
    ];
    this.matcher = new SecretMatcher(forms, [...new Set(long.map((secret) => decodeEscapes(secret).toLowerCase()))]);
    this.partial = new PartialRuns([...this.secrets].flatMap((secret) => partialForms(secret, variants.get(secret))));
    return this;
  }

  /**
   * Every known secret value (whatever its letter case, escapes, separators, hex, base64 or base32, or
   * a run of one of those long enough to be a leak) and every key-shaped token masked. `shownBefore`:
   * the text a stream has shown right before this (its last characters): a run of a secret begun there
   * is masked here from the first character on.
   */
  redact(text: string, options: { shownBefore?: string } = {}): string {
    return maskKeyShapes(this.redactKnown(text, options));
  }

  /** `redact` but for the key shapes: the known secrets alone (a stream masks the shapes over its pieces: key-shape-stream.ts). */
  redactKnown(text: string, options: { shownBefore?: string } = {}): string {
    // No secret known (a config of local servers without keys): nothing to find, and no text folded or scanned for it.
    if (this.secrets.size === 0) return text;
    const shown = options.shownBefore?.slice(-SHOWN_CONTEXT) ?? "";
    const folded = foldCompatibility(text);
    const read = folded?.text ?? text;
    const before = foldCompatibility(shown)?.text ?? shown;
    // Nothing shorter than the shortest thing masked can hold one (most strings of an event: refs, kinds, short deltas).
    if (read === "" || (read.length < SHORTEST_MASKED && before === "")) return text;
    const runs = before === "" ? this.partial.spans(read) : shiftedSpans(this.partial.spans(before + read), before.length);
    const found = runs.length === 0 ? this.matcher.spans(read) : mergeSpans([...this.matcher.spans(read), ...runs]);
    // A character that folds to several (`ﬁ`) may stand in two spans: joined.
    const spans = folded === undefined || found.length === 0 ? found : mergeSpans(unfoldSpans(folded, found));
    if (spans.length === 0) return text;
    let out = "";
    let at = 0;
    for (const [start, end] of spans) {
      out += `${text.slice(at, start)}${REDACTED}`;
      at = end;
    }
    return out + text.slice(at);
  }

  /**
   * Where a known secret may be starting at the end of `text` (the first characters of one of its
   * forms there, in any form the redactor masks, or a run of HELD_RUN characters or more of one: the
   * rest still to come in the next piece of a stream): the index to hold text back from; `text.length`
   * when the text cannot end inside a secret. `streamEnded`: nothing more comes — what is held only
   * until the next piece says what it is (the offset that may begin a hex dump's line) is no secret's
   * beginning then. `shownBefore`: the text the stream has shown right before `text` (as for `redact`).
   * Read in the text's fold (compatibility-fold.ts); a text that ends inside a surrogate pair holds its
   * first half while more may come.
   */
  partialFrom(text: string, options: { streamEnded?: boolean; shownBefore?: string } = {}): number {
    const ended = options.streamEnded ?? false;
    // No secret known: none can be starting; only a surrogate pair's first half waits for its second.
    if (this.secrets.size === 0) return !ended && endsInHalfPair(text) ? text.length - 1 : text.length;
    const folded = foldCompatibility(text);
    // A run may have begun in what the stream has shown: its characters count towards HELD_RUN (what is shown stays shown).
    const shown = options.shownBefore?.slice(-SHOWN_CONTEXT) ?? "";
    // Text that goes on a line the stream has shown part of does not begin a line (no dump's offset can stand at its start).
    // (Indentation shown so far is no part of a line: a dump's offset may come after it.) A fold makes no white space of other characters.
    const shownLine = options.shownBefore?.slice(options.shownBefore.lastIndexOf("\n") + 1) ?? "";
    const midLine = /\S/.test(shownLine);
    const held = this.heldFrom(folded?.text ?? text, { ended, midLine, before: foldCompatibility(shown)?.text ?? shown });
    const from = folded === undefined ? held : unfoldIndex(folded, held, text.length);
    return !ended && endsInHalfPair(text) ? Math.min(from, text.length - 1) : from;
  }

  /** partialFrom in a text's fold (`before`: the fold of the last of what the stream has shown). */
  private heldFrom(text: string, options: { ended: boolean; midLine: boolean; before: string }): number {
    const { ended, midLine, before } = options;
    const run = before === "" ? this.partial.begunAt(text) : Math.max(0, this.partial.begunAt(before + text) - before.length);
    let held = Math.min(this.matcher.partialFrom(text, { ended, midLine }), run);
    if (held === text.length) return held;
    // Never inside a run or a form already masked there: held whole, masked once what follows is known.
    const spans = mergeSpans([...this.partial.spans(text), ...this.matcher.spans(text)]);
    for (const [start, end] of spans.reverse()) if (start < held && end > held) held = start;
    return held;
  }

  /**
   * `value` itself when no string in it has anything to mask (what almost every event of a stream is),
   * else redactValue's masked copy: nothing is copied to be shown unchanged. For values only read after
   * (events passed on); a caller that changes what it gets back wants redactValue. Walked with a list too.
   */
  redactShared<T>(value: T): T {
    const pending: unknown[] = [value];
    while (pending.length > 0) {
      const node = pending.pop();
      if (typeof node === "string") {
        if (this.redact(node) !== node) return this.redactValue(value);
      } else if (Array.isArray(node)) {
        for (const item of node) pending.push(item);
      } else if (node !== null && typeof node === "object") {
        // Anything but a plain object (an Error, whose message is no own key) is shown as redactValue shows it.
        const prototype: unknown = Object.getPrototypeOf(node);
        if (prototype !== Object.prototype && prototype !== null) return this.redactValue(value);
        // for…in, not Object.keys: no list of keys made per object (a plain object inherits no enumerable key).
        for (const key in node) pending.push((node as Record<string, unknown>)[key]);
      }
    }
    return value;
  }

  /**
   * A deep copy of a JSON-like value with every string redacted. Walked with a list, not recursion: a
   * model's tool arguments nested 20,000 deep are copied, not a stack overflow.
   */
  redactValue<T>(value: T): T {
    const copy = (node: unknown, pending: [unknown, Record<string, unknown> | unknown[]][]): unknown => {
      if (typeof node === "string") return this.redact(node);
      if (node === null || typeof node !== "object") return node;
      const target: Record<string, unknown> | unknown[] = Array.isArray(node) ? [] : {};
      pending.push([node, target]);
      return target;
    };
    const pending: [unknown, Record<string, unknown> | unknown[]][] = [];
    const root = copy(value, pending);
    for (let next = pending.pop(); next; next = pending.pop()) {
      const [source, target] = next;
      if (Array.isArray(source)) {
        for (const item of source) (target as unknown[]).push(copy(item, pending));
        continue;
      }
      const out = target as Record<string, unknown>;
      for (const key of Object.keys(source as Record<string, unknown>)) {
        const child = copy((source as Record<string, unknown>)[key], pending);
        // Plain assignment is several times cheaper than defineProperty; only "__proto__" needs the latter.
        if (key === "__proto__") defineOwn(out, key, child);
        else out[key] = child;
      }
    }
    return root as T;
  }
}

/** What of a stream's shown text a next piece is read after (redact's `shownBefore`): more than a run held back may begin with (HELD_RUN). */
const SHOWN_CONTEXT = 32;

/**
 * The forms of `secret` whose runs are masked apart (secret-partial-runs.ts), each with its window:
 * for a value of MIN_SECRET_LENGTH or more that is a key (no white space, no path or URL: a
 * path-valued variable such as GIT_ASKPASS would mask every path it begins), the value (normal form,
 * lowercased) and its hex, base64 and base32 runs, each with a window of as many characters as the
 * value's window (partialWindow) of bytes takes in it; for any value, its base32 runs whole (the
 * window the run: base32's beginning is held back in a stream only from HELD_RUN characters on).
 */
function partialForms(secret: string, variants: VariantForms | undefined): PartialForm[] {
  const whole = base32Runs(secret).map((text) => ({ text, caseless: true, window: text.length }));
  if (secret.length < MIN_SECRET_LENGTH || !isKeyLike(secret)) return whole;
  const plain = normalForm(secret).toLowerCase();
  const window = partialWindow(plain);
  if (window >= plain.length) return whole;
  return [
    { text: plain, caseless: true, window },
    { text: Buffer.from(secret, "utf8").toString("hex"), caseless: true, window: window * 2 },
    ...base64Runs(secret).map((text) => ({ text, caseless: false, window: Math.ceil((window * 8) / 6) })),
    ...base32Runs(secret).map((text) => ({ text, caseless: true, window: Math.ceil((window * 8) / 5) })),
    // Its variants (secret-variants.ts), each with a window of as many characters as the key's window takes in it.
    ...(variants?.forms ?? []).map(({ text, caseless }) => ({ text, caseless, window: Math.ceil((window * text.length) / plain.length) })),
  ];
}

/** Spans of a text read after `shift` characters before it, as spans of the text itself (those wholly before dropped, those across its start cut there). */
function shiftedSpans(spans: readonly [number, number][], shift: number): [number, number][] {
  return spans.filter(([, end]) => end > shift).map(([start, end]) => [Math.max(0, start - shift), end - shift]);
}

/** Sets an own property even for "__proto__", which plain assignment would take as the prototype. */
export function defineOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** The credentials a URL carries: its user-info and the values of query parameters with secret names. */
export function urlSecrets(url: string): string[] {
  const parsed = safeUrl(url);
  if (!parsed) return [];
  // Both as written (percent-encoded in the URL) and decoded (as sent, and as a server may echo it).
  const found = [parsed.username, parsed.password, decodeSafe(parsed.username), decodeSafe(parsed.password)];
  for (const [name, value] of parsed.searchParams) if (SECRET_NAME.test(name)) found.push(value, encodeURIComponent(value));
  return [...new Set(found.filter((value) => value !== ""))];
}

/** The URL with its user-info and secret query values shown as "***"; text that is no URL is masked where it looks like one. */
export function redactUrl(url: string): string {
  const parsed = safeUrl(url);
  if (!parsed) return url.replace(/(\/\/)[^/@\s]*@/, `$1${REDACTED}@`);
  const secretParameters = [...parsed.searchParams.keys()].filter((name) => SECRET_NAME.test(name));
  // A URL without credentials comes back exactly as written (no normalising of slashes or case).
  if (parsed.username === "" && parsed.password === "" && secretParameters.length === 0) return url;
  if (parsed.username !== "" || parsed.password !== "") {
    parsed.username = REDACTED;
    parsed.password = "";
  }
  for (const name of secretParameters) parsed.searchParams.set(name, REDACTED);
  return parsed.href.replaceAll(encodeURIComponent(REDACTED), REDACTED);
}

/** Environment variables whose names say they hold a secret (the provider key variables among them). */
export function secretEnvironmentValues(env: NodeJS.ProcessEnv): string[] {
  return Object.entries(env)
    .filter(([name, value]) => value !== undefined && SECRET_VARIABLE.test(name))
    .map(([, value]) => value as string);
}

function safeUrl(url: string): URL | undefined {
  try {
    return new URL(url);
  } catch {
    return undefined;
  }
}

function decodeSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
