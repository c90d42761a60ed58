// Small helpers shared by the stream builders: splitting text into deltas and deterministic ids.

/** Splits text into pieces of `size` code points (never inside a surrogate pair). "" gives no pieces. */
export function splitText(text: string, size = 8): string[] {
  const points = Array.from(text);
  const step = Math.max(1, Math.floor(size));
  const pieces: string[] = [];
  for (let start = 0; start < points.length; start += step) pieces.push(points.slice(start, start + step).join(""));
  return pieces;
}

/**
 * A deterministic id generator: the same seed gives the same ids, so streams are reproducible.
 * `next(prefix, length, alphabet)` gives e.g. "rs_3yo6zy4vu4hq6iegqwhn1".
 */
export function idMaker(seed: string): (prefix: string, length: number, alphabet?: "hex" | "base36" | "base62") => string {
  let state = 2166136261;
  for (const char of seed) state = Math.imul(state ^ char.charCodeAt(0), 16777619) >>> 0;
  const alphabets = {
    hex: "0123456789abcdef",
    base36: "0123456789abcdefghijklmnopqrstuvwxyz",
    base62: "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
  };
  return (prefix, length, alphabet = "base36") => {
    const chars = alphabets[alphabet];
    let out = prefix;
    for (let i = 0; i < length; i++) {
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
      out += chars[(state >>> 8) % chars.length];
    }
    return out;
  };
}

/** A fixed "now" so recorded streams are byte-for-byte reproducible (2026-01-01T00:00:00Z). */
export const FIXED_CREATED_AT = 1767225600;

/** A rough token count (4 characters a token), used when a spec gives no usage. */
export function roughTokens(text: string): number {
  return Math.ceil(text.length / 4);
}
