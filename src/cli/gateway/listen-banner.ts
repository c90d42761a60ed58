import { networkInterfaces } from "node:os";
import { gatewayUrl, isLoopback, networkUrls, type Interfaces } from "../../config/gateway-address.js";

/**
 * Where the web chat is opened, for the gateway's first line: on this machine (a wildcard bind, 0.0.0.0
 * or ::, is no address a browser can open: it is reached through loopback), and, listening beyond
 * loopback, a line with the addresses other machines reach it at (this machine's interfaces).
 */
export function listenBanner(listen: { bind: string; port: number; url: string }, interfaces: Interfaces = networkInterfaces()): { url: string; network: string | undefined } {
  if (isLoopback(listen.bind)) return { url: listen.url, network: undefined };
  const url = gatewayUrl({ bind: listen.bind, port: listen.port });
  const every = listen.bind === "0.0.0.0" ? "every IPv4 interface" : listen.bind === "::" || listen.bind === "[::]" ? "every interface" : undefined;
  const reached = networkUrls(listen, interfaces).map((address) => `${address}/`);
  const where = reached.length > 0 ? reached.join(", ") : "no address of this machine's network interfaces (none is up but loopback)";
  return { url, network: `on the network: ${where} (it listens on ${listen.bind}${every ? `, ${every}` : ""}; every request but the page itself needs its token)` };
}
