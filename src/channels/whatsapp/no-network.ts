/**
 * The error codes of a machine without a network: no name resolution (ENOTFOUND, EAI_AGAIN), no route
 * (ENETUNREACH, EHOSTUNREACH), no interface up (ENETDOWN, EADDRNOTAVAIL). A refused or reset connection
 * is not among them: something answered.
 */
const NO_NETWORK_CODES = new Set(["ENOTFOUND", "EAI_AGAIN", "ENETUNREACH", "EHOSTUNREACH", "ENETDOWN", "EADDRNOTAVAIL"]);

type MaybeCoded = { code?: unknown; data?: unknown; cause?: unknown; message?: unknown };

/**
 * The network error behind a close or a failed start, in words ("getaddrinfo ENOTFOUND web.whatsapp.com"),
 * or undefined when it is something else. Baileys wraps the WebSocket's error in a Boom (408) and keeps
 * it as `data`; fetch keeps it as `cause`: both are looked through.
 */
export function noNetwork(error: unknown): string | undefined {
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (current && typeof current === "object" && !seen.has(current)) {
    seen.add(current);
    const coded = current as MaybeCoded;
    if (typeof coded.code === "string" && NO_NETWORK_CODES.has(coded.code)) return typeof coded.message === "string" ? coded.message : coded.code;
    current = coded.data ?? coded.cause;
  }
  return undefined;
}
