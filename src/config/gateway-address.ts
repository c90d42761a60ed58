import { isIP } from "node:net";

/** Loopback: `localhost`, 127.x, ::1. Any other `gateway.bind` requires `gateway.auth.token` (the gateway refuses to start without one). */
export function isLoopback(host: string): boolean {
  if (host === "localhost") return true;
  if (isIP(host) === 4) return host.startsWith("127.");
  return host === "::1" || host === "[::1]";
}

/** Where a client on this machine reaches a gateway listening on `bind`:`port` (the wildcard addresses through loopback), e.g. http://127.0.0.1:18790. */
export function gatewayUrl(gateway: { bind: string; port: number }): string {
  const host = gateway.bind === "0.0.0.0" ? "127.0.0.1" : gateway.bind === "::" || gateway.bind === "[::]" ? "::1" : gateway.bind.replace(/^\[(.*)\]$/, "$1");
  return `http://${host.includes(":") ? `[${host}]` : host}:${gateway.port}`;
}

/** A listening address as a URL to open on this machine: a wildcard's (http://0.0.0.0:18790) through loopback (http://127.0.0.1:18790); any other as it is. */
export function openableUrl(url: string): string {
  const parsed = URL.canParse(url) ? new URL(url) : undefined;
  if (parsed === undefined || (parsed.hostname !== "0.0.0.0" && parsed.hostname !== "[::]")) return url;
  return gatewayUrl({ bind: parsed.hostname, port: Number(parsed.port) });
}

/** What this machine's network interfaces say (os.networkInterfaces()), as far as the addresses go. */
export type Interfaces = NodeJS.Dict<readonly { address: string; family: string | number; internal: boolean }[]>;

/**
 * Where other machines reach a gateway listening on `bind`:`port`: none on loopback; the address itself
 * for one address; for 0.0.0.0 each interface's IPv4 address, for `::` its IPv6 ones too (link-local
 * ones aside: they need an interface named to be used). Loopback interfaces are left out.
 */
export function networkUrls(listen: { bind: string; port: number }, interfaces: Interfaces): string[] {
  if (isLoopback(listen.bind)) return [];
  const everyV4 = listen.bind === "0.0.0.0";
  const everyV6 = listen.bind === "::" || listen.bind === "[::]";
  if (!everyV4 && !everyV6) return [gatewayUrl(listen)];
  const addresses = Object.values(interfaces)
    .flatMap((entries) => entries ?? [])
    .filter((entry) => !entry.internal)
    .filter((entry) => (entry.family === "IPv4" || entry.family === 4 ? true : everyV6 && !/^fe80:/i.test(entry.address)));
  return [...new Set(addresses.map((entry) => gatewayUrl({ bind: entry.address, port: listen.port })))];
}
