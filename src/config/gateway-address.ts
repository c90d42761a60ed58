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
