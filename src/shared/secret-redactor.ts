/**
 * Masks secrets in text before hearth prints, logs or stores it. An instance knows the secret values
 * in play (API keys, header values, URL credentials); `redact` replaces every occurrence of each, in
 * any letter case (a server may echo a key uppercased, or percent-encoding with `%2f` for `%2F`), and
 * every key-shaped token (`sk-…`, `sk-ant-…`, `Bearer …`), with "***".
 *
 * Each is masked in its encoded forms too: hex (any letter case), and base64, standard and URL-safe,
 * at any byte offset within the encoded data (`Authorization: Basic base64(user:key)` echoed by a
 * server) — for each of the three alignments, the run of characters that depends on the secret's
 * bytes alone, so the one or two characters at each end that mix in neighbouring bytes stay.
 *
 * Values shorter than MIN_SECRET_LENGTH are not masked in free text: real keys are far longer, and
 * placeholders such as LM Studio's "lmstudio" or Ollama's "ollama" would otherwise be masked inside
 * model names, URLs and answers. (`config show` hides the `apiKey` field whatever its length.)
 */
export const REDACTED = "***";
export const MIN_SECRET_LENGTH = 12;
/** The shortest base64 run masked: a 12-character value gives 15 at two of its alignments, 13 characters and more give 16 at every one. */
export const MIN_ENCODED_LENGTH = 16;

/**
 * Tokens that are keys by their shape: OpenAI/Anthropic/OpenRouter `sk-…` (with a digit, so prose
 * such as "sk-learn-tutorial-for-beginners" stays), GitHub, Slack, AWS, bearer tokens.
 */
const KEY_SHAPED = /\b(?:sk-(?=[A-Za-z0-9_-]*\d)(?:ant-|or-|proj-)?[A-Za-z0-9_-]{16,}|gh[pousr]_[A-Za-z0-9]{20,}|xox[abposr]-[A-Za-z0-9-]{10,}|AKIA[0-9A-Z]{16})/g;
/** `Bearer <token>` with a digit in the token ("Bearer authentication" in prose stays). */
const BEARER = /\b(Bearer\s+)(?=[A-Za-z0-9._~+/=-]*\d)([A-Za-z0-9._~+/=-]{8,})/gi;
/** A name that says its value is secret (apiKey, ANTHROPIC_API_KEY, token, client_secret, password, …). */
export const SECRET_NAME = /(?:api[-_]?key|key|token|secret|password|passwd|passphrase|auth|authorization|credential|cookie|sig|signature)$/i;

/** An environment variable holding a secret: ANTHROPIC_API_KEY, GITHUB_TOKEN, AWS_SECRET_ACCESS_KEY, DB_PASSWORD, … */
export const SECRET_VARIABLE = /(?:KEY|TOKEN|SECRET|PASSWORD|PASSWD|PASS|CREDENTIALS?|AUTH)$/i;

/** The fewest characters anything masked takes: a known value (MIN_SECRET_LENGTH) or a key-shaped token (KEY_SHAPED, BEARER: 15 and more). */
const SHORTEST_MASKED = MIN_SECRET_LENGTH;

/** One form a secret is matched in: caseless (the value, its hex) or exact (its base64 runs). */
interface SecretForm {
  /** Lowercased when caseless. */
  text: string;
  caseless: boolean;
}

export class SecretRedactor {
  private readonly secrets = new Set<string>();
  /** Every form of every value, longest first within each kind, so a secret that contains another is masked whole. */
  private forms: SecretForm[] = [];
  /** The caseless forms in any letter case; undefined while there are none. */
  private pattern: RegExp | undefined;
  /** The base64 forms, letter case as encoded; undefined while there are none. */
  private exactPattern: RegExp | undefined;

  constructor(values: Iterable<string | undefined> = []) {
    this.add(values);
  }

  /** Learns more secret values (the config's, once it is loaded). Short and empty values are ignored. */
  add(values: Iterable<string | undefined>): this {
    for (const value of values) {
      if (value === undefined) continue;
      const trimmed = value.trim();
      if (trimmed.length >= MIN_SECRET_LENGTH) this.secrets.add(trimmed);
    }
    const longestFirst = (a: string, b: string) => b.length - a.length;
    const caseless = [...new Set([...this.secrets].flatMap((secret) => [secret.toLowerCase(), Buffer.from(secret, "utf8").toString("hex")]))].sort(longestFirst);
    const exact = [...new Set([...this.secrets].flatMap(base64Runs))].sort(longestFirst);
    this.forms = [...caseless.map((text) => ({ text, caseless: true })), ...exact.map((text) => ({ text, caseless: false }))];
    this.pattern = caseless.length === 0 ? undefined : new RegExp(caseless.map(escapeRegExp).join("|"), "gi");
    this.exactPattern = exact.length === 0 ? undefined : new RegExp(exact.map(escapeRegExp).join("|"), "g");
    return this;
  }

  /** Every known secret value (whatever its letter case, hex or base64) and every key-shaped token masked. */
  redact(text: string): string {
    // Nothing shorter than the shortest thing masked can hold one (most strings of an event: refs, kinds, short deltas).
    if (text.length < SHORTEST_MASKED) return text;
    let out = this.pattern ? text.replace(this.pattern, REDACTED) : text;
    if (this.exactPattern && out.length >= MIN_ENCODED_LENGTH) out = out.replace(this.exactPattern, REDACTED);
    return out.replace(KEY_SHAPED, REDACTED).replace(BEARER, (_, prefix: string) => `${prefix}${REDACTED}`);
  }

  /**
   * Where a known secret may be starting at the end of `text` (the first characters of one of its
   * forms there, the rest still to come in the next piece of a stream): the index to hold text back
   * from; `text.length` when the text cannot end inside a secret.
   */
  partialFrom(text: string): number {
    let from = text.length;
    for (const form of this.forms) {
      const head = form.text.charCodeAt(0);
      const upperHead = form.caseless ? form.text.charAt(0).toUpperCase().charCodeAt(0) : head;
      // Only where the form's first character is: the rest of the text must be the form's beginning.
      for (let index = Math.max(0, text.length - form.text.length + 1); index < from; index++) {
        const code = text.charCodeAt(index);
        if (code !== head && code !== upperHead && !(form.caseless && code > 0x7f)) continue;
        const rest = text.slice(index);
        if (form.text.startsWith(form.caseless ? rest.toLowerCase() : rest)) {
          from = index;
          break;
        }
      }
    }
    return from;
  }

  /** A deep copy of a JSON-like value with every string redacted. */
  redactValue<T>(value: T): T {
    const visit = (node: unknown): unknown => {
      if (typeof node === "string") return this.redact(node);
      if (Array.isArray(node)) return node.map(visit);
      if (node !== null && typeof node === "object") {
        const out: Record<string, unknown> = {};
        for (const key of Object.keys(node)) {
          const child = visit((node as Record<string, unknown>)[key]);
          // Plain assignment is several times cheaper than defineProperty; only "__proto__" needs the latter.
          if (key === "__proto__") defineOwn(out, key, child);
          else out[key] = child;
        }
        return out;
      }
      return node;
    };
    return visit(value) as T;
  }
}

/**
 * The base64 runs (standard and URL-safe alphabets) that encode `secret` wherever it starts within
 * the encoded bytes: for a start at byte offset 0, 1 or 2 of a 3-byte group, the characters made of
 * the secret's bits alone. Runs shorter than MIN_ENCODED_LENGTH are left out.
 */
function base64Runs(secret: string): string[] {
  const bytes = Buffer.from(secret, "utf8");
  const runs: string[] = [];
  for (const offset of [0, 1, 2]) {
    const encoded = Buffer.concat([Buffer.alloc(offset), bytes]).toString("base64");
    const run = encoded.slice(Math.ceil((offset * 8) / 6), Math.floor(((offset + bytes.length) * 8) / 6));
    if (run.length < MIN_ENCODED_LENGTH) continue;
    runs.push(run, run.replace(/\+/g, "-").replace(/\//g, "_"));
  }
  return runs;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
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
