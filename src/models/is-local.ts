import { isIP } from "node:net";
import { networkInterfaces } from "node:os";

/** The interfaces of this machine, as `os.networkInterfaces()` gives them (injected by tests). */
export type InterfaceList = () => NodeJS.Dict<Array<{ address: string }>>;

/** The addresses of this machine's own interfaces (a VPS's public address among them), read when asked. */
export function machineAddresses(interfaces: InterfaceList = networkInterfaces): ReadonlySet<string> {
  return new Set(Object.values(interfaces()).flatMap((entries) => (entries ?? []).map((entry) => entry.address.toLowerCase().replace(/%.*$/, ""))));
}

/** The host of a base URL as an address or name (IPv6 without brackets), lowercased; undefined for no URL. */
function hostOf(baseUrl: string): string | undefined {
  let host: string;
  try {
    host = new URL(baseUrl).hostname.toLowerCase();
  } catch {
    return undefined;
  }
  return host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
}

/**
 * Whether a base URL names one of this machine's own interface addresses other than loopback (the
 * address `hostname -I` shows): a server there that refuses the connection probably listens on
 * 127.0.0.1 only, as llama-server, LM Studio and Ollama do by default.
 */
export function isOwnInterfaceUrl(baseUrl: string, own: ReadonlySet<string> = machineAddresses()): boolean {
  const host = hostOf(baseUrl);
  if (host === undefined || isIP(host) === 0) return false;
  return own.has(host) && !(isIP(host) === 4 ? host.startsWith("127.") : host === "::1");
}

/**
 * True where a base URL points at this machine or a private network: loopback, an address of one of this
 * machine's interfaces (`own`: a VPS's public address is this machine too), RFC 1918, link-local, IPv6
 * unique-local, CGNAT (Tailscale and similar overlays hand those out), `.local` / `.lan` / `.internal`
 * names, and single-label host names, which only resolve on a local network.
 */
export function isLocalUrl(baseUrl: string, own: ReadonlySet<string> = machineAddresses()): boolean {
  const host = hostOf(baseUrl);
  if (host === undefined) return false;
  if (host === "localhost" || host.endsWith(".localhost")) return true;
  if (own.has(host)) return true;
  const family = isIP(host);
  if (family === 4) return isPrivateIpv4(host);
  if (family === 6) return isPrivateIpv6(host);
  if (/\.(local|lan|internal|home\.arpa)$/.test(host)) return true;
  return !host.includes(".");
}

function isPrivateIpv4(host: string): boolean {
  const [a = 0, b = 0] = host.split(".").map(Number);
  return (
    a === 127 ||
    a === 10 ||
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168) ||
    (a === 169 && b === 254) ||
    (a === 100 && b >= 64 && b <= 127) ||
    a === 0
  );
}

function isPrivateIpv6(host: string): boolean {
  if (host === "::1" || host === "::") return true;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(host);
  if (mapped?.[1]) return isPrivateIpv4(mapped[1]);
  const first = parseInt(host.split(":")[0] || "0", 16);
  return (first & 0xfe00) === 0xfc00 || (first & 0xffc0) === 0xfe80;
}

/**
 * Whether a provider the config names is local — the one rule, as resolve-providers applies it: a built-in
 * provider (`builtinIds`: anthropic, openai, openrouter — paid hosted services) never is, wherever its
 * baseUrl points (at this machine it is a proxy or relay to that service); any other is where its
 * baseUrl is (isLocalUrl). For code that reads the config's text rather than the resolved catalog.
 */
export function providerIsLocal(provider: { id: string; baseUrl: string }, builtinIds: ReadonlySet<string>): boolean {
  return !builtinIds.has(provider.id) && isLocalUrl(provider.baseUrl);
}
