/**
 * The encoded forms of a secret the redactor masks besides hex: the runs of base64 and base32
 * characters made of its bytes alone, wherever it starts within the encoded data.
 *
 * An encoding writes bits in groups: base64 6 to a character (three bytes make four characters),
 * base32 5 (five bytes make eight). A secret that starts at byte offset k of a group begins at
 * character ceil(8k/w) of the encoding (w the bits a character) — the character before that mixes
 * its first bits with the bytes before it — and ends before the character that mixes its last bits
 * with the bytes after it. So the characters between hold the secret's bits alone, whatever stands
 * around it: that run is the form, one a byte offset (three for base64, five for base32).
 */

/**
 * The shortest run masked. A value of n bytes is 8n bits, 6 to a base64 character: at byte offset 0
 * its run is floor(8n/6) characters, at offsets 1 and 2 the first character also holds 2 or 4 bits
 * of the byte before it (and the last, of the byte after), leaving floor((8n+8)/6)-2 and
 * floor((8n+16)/6)-3. For 12 bytes that is 16, 15, 15; for 8 bytes, 10 at every offset. So 10 masks
 * every value hearth masks in base64 at all three alignments: 60 bits only the value's bytes make.
 * (In base32, 5 bits a character, 8 bytes make 12 or 11 characters at each of the five offsets.)
 */
export const MIN_ENCODED_LENGTH = 10;

/**
 * The base64 runs (standard and URL-safe alphabets, letter case as encoded) that encode `secret`
 * wherever it starts within the encoded bytes: for a start at byte offset 0, 1 or 2 of a 3-byte
 * group, the characters made of the secret's bits alone. Runs shorter than MIN_ENCODED_LENGTH are
 * left out.
 */
export function base64Runs(secret: string): string[] {
  return base64RunsOf(Buffer.from(secret, "utf8"));
}

/** The base64 runs of any bytes (a secret's UTF-16, or one of its encodings: base64 of base64), as base64Runs says. */
export function base64RunsOf(bytes: Buffer): string[] {
  const runs: string[] = [];
  for (const offset of [0, 1, 2]) {
    const encoded = Buffer.concat([Buffer.alloc(offset), bytes]).toString("base64");
    const run = encoded.slice(Math.ceil((offset * 8) / 6), Math.floor(((offset + bytes.length) * 8) / 6));
    if (run.length < MIN_ENCODED_LENGTH) continue;
    runs.push(run, run.replace(/\+/g, "-").replace(/\//g, "_"));
  }
  return runs;
}

/**
 * The base32 runs (RFC 4648, as coreutils' `base32` and Python's `base64.b32encode` write it; matched
 * in any letter case, so the lower-case variants too; padding is never part of a run) that encode
 * `secret` wherever it starts within the encoded bytes: for a start at byte offset 0 to 4 of a
 * 5-byte group, the characters made of the secret's bits alone, lowercased. Runs shorter than
 * MIN_ENCODED_LENGTH are left out.
 */
export function base32Runs(secret: string): string[] {
  const bytes = Buffer.from(secret, "utf8");
  const runs: string[] = [];
  for (const offset of [0, 1, 2, 3, 4]) {
    const encoded = base32(Buffer.concat([Buffer.alloc(offset), bytes]));
    const run = encoded.slice(Math.ceil((offset * 8) / 5), Math.floor(((offset + bytes.length) * 8) / 5));
    if (run.length >= MIN_ENCODED_LENGTH) runs.push(run.toLowerCase());
  }
  return runs;
}

const BASE32_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/** `bytes` in base32 (RFC 4648), without padding. */
export function base32(bytes: Uint8Array): string {
  let out = "";
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32_ALPHABET.charAt((value >>> (bits - 5)) & 31);
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  return bits > 0 ? out + BASE32_ALPHABET.charAt((value << (5 - bits)) & 31) : out;
}
