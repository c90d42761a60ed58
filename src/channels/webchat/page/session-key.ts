/** A key for a conversation started with *New conversation*: `web-<date>-<time>-<random>`. */
export function newSessionKey(): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
  const random = Array.from(crypto.getRandomValues(new Uint8Array(3)), (byte) => byte.toString(16).padStart(2, "0")).join("");
  return `web-${stamp}-${random}`;
}

/** The conversation the address names (`#session=<key>`), if it names one. */
export function sessionFromHash(hash: string): string | undefined {
  const match = /^#session=(.+)$/.exec(hash);
  return match?.[1] ? decodeURIComponent(match[1]) : undefined;
}
