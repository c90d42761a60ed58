import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

/** The key's length in bytes. */
const KEY_BYTES = 32;

/**
 * The secret that the fingerprints of credentials in a cooldowns file are keyed with (an HMAC, not a bare
 * hash): a fingerprint of a human-chosen password (a base URL's `user:password`, a header's value) copied
 * out with the file cannot be tried against guesses without this key too. Kept beside the file
 * (`<file>.key`, 0600), made once by whichever process needs it first (`wx`: two at once agree on the
 * first one written). Undefined where it can be neither read nor made (a read-only state dir): the caller
 * then keys with a secret of its own process — a refused key found in the file is simply asked again.
 */
export function fingerprintKeyBeside(file: string): Buffer | undefined {
  return secretFileAt(`${file}.key`);
}

/**
 * A 32-byte secret kept in the file at `path` (0600), made once by whichever process needs it first, so
 * that every process of one state dir keys its digests alike (fingerprintKeyBeside's, prompt_cache_key's).
 * Undefined where it can be neither read nor made.
 */
export function secretFileAt(path: string): Buffer | undefined {
  const read = (): Buffer | undefined => {
    try {
      const key = readFileSync(path);
      return key.length === KEY_BYTES ? key : undefined;
    } catch {
      return undefined;
    }
  };
  const known = read();
  if (known !== undefined) return known;
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    const made = randomBytes(KEY_BYTES);
    writeFileSync(path, made, { flag: "wx", mode: 0o600 });
    return made;
  } catch {
    // Made by another process meanwhile (EEXIST: its key is the one), or not to be made here.
    return read();
  }
}
