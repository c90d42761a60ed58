import { REDACTED, SecretRedactor } from "../shared/secret-redactor.js";
import { escapeControlCharacters } from "../shared/text.js";

/** A name whose value is a secret, then `:` or `=` (or only spaces before a quote): `apiKey:`, `ANTHROPIC_API_KEY=`, `token "…"`. */
const SECRET_ASSIGNMENT = /([\w$-]*(?:key|token|secret|password|passwd|passphrase|authorization|credentials?|cookie)["']?\s*(?:[:=]\s*|\s+(?=["'])))(.*)$/i;
/** Same, at the end of a line: the value follows on the next one. */
const SECRET_NAME_AT_END = /[\w$-]*(?:key|token|secret|password|passwd|passphrase|authorization|credentials?|cookie)["']?\s*[:=]?\s*$/i;
/** Long random-looking runs (upper and lower case and digits): keys whatever their prefix. */
const HIGH_ENTROPY = /[A-Za-z0-9_+/=-]{32,}/g;

/**
 * One line of a config (or whatever file --config named) made safe to print: secret values masked
 * whether they follow their key on the line or sit alone on the next, key-shaped tokens and long
 * random-looking strings masked, control characters shown escaped.
 */
export function maskExcerptLine(lines: readonly string[], index: number): string {
  const line = (lines[index] ?? "").replace(/\t/g, " ");
  const previous = previousNonBlank(lines, index);
  let shown: string;
  if (previous !== undefined && SECRET_NAME_AT_END.test(previous)) {
    const indent = /^\s*/.exec(line)?.[0] ?? "";
    shown = line.trim() === "" ? line : `${indent}${REDACTED}`;
  } else {
    shown = line.replace(SECRET_ASSIGNMENT, (_, key: string, value: string) => (value.trim() === "" ? key : `${key}${REDACTED}`));
  }
  shown = new SecretRedactor().redact(shown).replace(HIGH_ENTROPY, (run) => (/[a-z]/.test(run) && /[A-Z]/.test(run) && /\d/.test(run) ? REDACTED : run));
  return escapeControlCharacters(shown);
}

function previousNonBlank(lines: readonly string[], index: number): string | undefined {
  for (let at = index - 1; at >= 0; at--) {
    const text = lines[at] ?? "";
    if (text.trim() !== "") return text;
  }
  return undefined;
}
