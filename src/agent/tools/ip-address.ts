import { isIP } from "node:net";

/**
 * An IP address in one form whatever way it was written: IPv4 dotted, or IPv6 as eight 16-bit groups.
 * `embedded` is the IPv4 address an IPv6 form carries (and which form), so a check can judge the
 * address a connection really ends at: `::ffff:0:7f00:1` is 127.0.0.1.
 */
export type ParsedAddress =
  | { family: 4; ipv4: string }
  | { family: 6; groups: readonly number[]; embedded?: { ipv4: string; form: EmbeddingForm } | undefined };

export type EmbeddingForm = "mapped" | "translated" | "compatible" | "nat64" | "nat64-local" | "6to4" | "teredo";

/** Parses an IPv4 or IPv6 address (brackets and an IPv6 zone `%eth0` allowed); undefined for anything else. */
export function parseAddress(text: string): ParsedAddress | undefined {
  const bare = text.startsWith("[") && text.endsWith("]") ? text.slice(1, -1) : text;
  const family = isIP(bare);
  if (family === 4) return { family: 4, ipv4: bare };
  if (family !== 6) return undefined;
  const groups = ipv6Groups(bare.replace(/%.*$/, ""));
  if (!groups) return undefined;
  return { family: 6, groups, embedded: embeddedIpv4(groups) };
}

/** One spelling per address: the IPv4 it carries for a form that embeds one, else the eight groups in hex. */
export function canonicalAddress(text: string): string | undefined {
  const parsed = parseAddress(text);
  if (!parsed) return undefined;
  if (parsed.family === 4) return parsed.ipv4;
  return parsed.embedded?.ipv4 ?? parsed.groups.map((group) => group.toString(16)).join(":");
}

function ipv6Groups(text: string): number[] | undefined {
  let body = text.toLowerCase();
  const tail: number[] = [];
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(body);
  if (dotted?.[1]) {
    const [a = 0, b = 0, c = 0, d = 0] = dotted[1].split(".").map(Number);
    tail.push((a << 8) | b, (c << 8) | d);
    body = body.slice(0, -dotted[1].length);
    // "::1.2.3.4" leaves "::", "::ffff:1.2.3.4" leaves "::ffff:"; a lone trailing ":" is the separator.
    if (body.endsWith(":") && !body.endsWith("::")) body = body.slice(0, -1);
  }
  const halves = body.split("::");
  if (halves.length > 2) return undefined;
  const parse = (part: string | undefined): number[] => (part ? part.split(":").map((group) => Number.parseInt(group, 16)) : []);
  const head = parse(halves[0]);
  const rest = [...parse(halves[1]), ...tail];
  const missing = 8 - head.length - (halves.length === 2 ? rest.length : 0);
  const groups = halves.length === 2 ? [...head, ...new Array<number>(missing).fill(0), ...rest] : [...head, ...tail];
  if (groups.length !== 8 || groups.some((group) => !Number.isInteger(group) || group < 0 || group > 0xffff)) return undefined;
  return groups;
}

/**
 * The IPv4 address inside the IPv6 forms that carry one: mapped `::ffff:a.b.c.d`, translated
 * `::ffff:0:a.b.c.d` (RFC 2765), compatible `::a.b.c.d` (RFC 4291, deprecated), NAT64 `64:ff9b::/96`
 * and the local-use `64:ff9b:1::/48` (RFC 6052, RFC 8215; the /96 layout), 6to4 `2002:AABB:CCDD::/48`
 * (RFC 3056) and Teredo `2001:0::/32`, whose last 32 bits are the client's address inverted (RFC 4380).
 */
function embeddedIpv4(groups: readonly number[]): { ipv4: string; form: EmbeddingForm } | undefined {
  const [g0 = 0, g1 = 0, g2 = 0, g3 = 0, g4 = 0, g5 = 0, g6 = 0, g7 = 0] = groups;
  const zeroUpTo = (end: number) => groups.slice(0, end).every((group) => group === 0);
  const low = (high: number, lowGroup: number) => dottedQuad(high, lowGroup);
  if (zeroUpTo(5) && g5 === 0xffff) return { ipv4: low(g6, g7), form: "mapped" };
  if (zeroUpTo(4) && g4 === 0xffff && g5 === 0) return { ipv4: low(g6, g7), form: "translated" };
  // "::" and "::1" are IPv6's own unspecified and loopback addresses, not compatible forms.
  if (zeroUpTo(6) && (g6 !== 0 || g7 > 1)) return { ipv4: low(g6, g7), form: "compatible" };
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0) return { ipv4: low(g6, g7), form: "nat64" };
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 1) return { ipv4: low(g6, g7), form: "nat64-local" };
  if (g0 === 0x2002) return { ipv4: low(g1, g2), form: "6to4" };
  if (g0 === 0x2001 && g1 === 0) return { ipv4: low(g6 ^ 0xffff, g7 ^ 0xffff), form: "teredo" };
  return undefined;
}

function dottedQuad(high: number, low: number): string {
  return [high >> 8, high & 0xff, low >> 8, low & 0xff].join(".");
}
