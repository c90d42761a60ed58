import { isIP, type Socket } from "node:net";
import { isLoopback } from "../../config/gateway-address.js";

/** Connections one client of the network (an IPv4 address, an IPv6 /64) may hold open at once: a browser holds 6 a host, a page's event stream one more. */
export const MOST_CONNECTIONS_PER_CLIENT = 64;
/** Connections all clients of the network may hold open at once; this machine's own (loopback) are never counted or refused. */
export const MOST_NETWORK_CONNECTIONS = 1024;

export interface ConnectionCapsOptions {
  perClient?: number | undefined;
  network?: number | undefined;
  /** Addresses never counted (default: loopback — this machine's programs reach the gateway as the user anyway). */
  exempt?: ((address: string) => boolean) | undefined;
}

/**
 * Keeps one client of the network from holding every connection the gateway can take. A request's
 * headers may take 30 s to come (`headersTimeoutSeconds`) and nothing is asked of a connection before
 * them — not the token —, so 300 half-sent requests from anywhere left a gateway with 256 file
 * descriptors answering nobody, /health and turns alike (t17 #3). A connection past a cap is closed at
 * once, before a byte of it is read; the ones of this machine (loopback) are never refused.
 * Returns the server's `connection` listener.
 */
export function connectionCaps(options: ConnectionCapsOptions = {}): (socket: Socket) => void {
  const perClient = options.perClient ?? MOST_CONNECTIONS_PER_CLIENT;
  const network = options.network ?? MOST_NETWORK_CONNECTIONS;
  const exempt = options.exempt ?? ((address: string) => isLoopback(unmapped(address)));
  const held = new Map<string, number>();
  let total = 0;
  return (socket) => {
    const address = socket.remoteAddress;
    if (address === undefined || exempt(address)) return;
    const client = clientOf(address);
    const count = held.get(client) ?? 0;
    if (count >= perClient || total >= network) {
      socket.destroy();
      return;
    }
    held.set(client, count + 1);
    total += 1;
    socket.once("close", () => {
      total -= 1;
      const left = (held.get(client) ?? 1) - 1;
      if (left <= 0) held.delete(client);
      else held.set(client, left);
    });
  };
}

/** An IPv4 address seen through an IPv6 socket (`::ffff:192.168.1.20`) as itself. */
function unmapped(address: string): string {
  return address.toLowerCase().startsWith("::ffff:") && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}

/** Who a connection is counted for: its IPv4 address, or its IPv6 address's /64 (one machine of an IPv6 network may use any address of its /64). */
export function clientOf(address: string): string {
  const plain = unmapped(address);
  if (isIP(plain) !== 6) return plain;
  const [head = "", tail = ""] = plain.toLowerCase().split("::");
  const headGroups = head === "" ? [] : head.split(":");
  const tailGroups = tail === "" ? [] : tail.split(":");
  const groups = plain.includes("::") ? [...headGroups, ...Array<string>(8 - headGroups.length - tailGroups.length).fill("0"), ...tailGroups] : headGroups;
  return `${groups.slice(0, 4).map((group) => group.replace(/^0+(?=.)/, "")).join(":")}::/64`;
}
