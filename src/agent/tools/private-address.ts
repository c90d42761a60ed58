import { BlockList, isIP } from "node:net";

/** Addresses a fetched page must not reach unless the user allows it: this machine, private networks, link-local (cloud metadata), CGNAT, multicast and reserved ranges. */
const BLOCKED: readonly [string, number, "ipv4" | "ipv6"][] = [
  ["0.0.0.0", 8, "ipv4"], // "this network"; 0.0.0.0 reaches this machine
  ["10.0.0.0", 8, "ipv4"], // RFC 1918
  ["100.64.0.0", 10, "ipv4"], // CGNAT, Tailscale
  ["127.0.0.0", 8, "ipv4"], // loopback
  ["169.254.0.0", 16, "ipv4"], // link-local, cloud metadata 169.254.169.254
  ["172.16.0.0", 12, "ipv4"], // RFC 1918
  ["192.0.0.0", 24, "ipv4"], // IETF protocol assignments
  ["192.168.0.0", 16, "ipv4"], // RFC 1918
  ["198.18.0.0", 15, "ipv4"], // benchmarking
  ["224.0.0.0", 4, "ipv4"], // multicast
  ["240.0.0.0", 4, "ipv4"], // reserved, broadcast
  ["::", 128, "ipv6"], // unspecified
  ["::1", 128, "ipv6"], // loopback
  ["::", 96, "ipv6"], // IPv4-compatible (deprecated)
  ["64:ff9b::", 96, "ipv6"], // NAT64 (well-known prefix): an IPv4 address inside
  ["64:ff9b:1::", 48, "ipv6"], // NAT64, local-use prefix
  ["2002::", 16, "ipv6"], // 6to4: an IPv4 address inside
  ["2001::", 32, "ipv6"], // Teredo: an IPv4 address inside
  ["fc00::", 7, "ipv6"], // unique local
  ["fe80::", 10, "ipv6"], // link-local
  ["fec0::", 10, "ipv6"], // site-local (deprecated)
  ["ff00::", 8, "ipv6"], // multicast
];

const blockList = new BlockList();
for (const [network, prefix, family] of BLOCKED) blockList.addSubnet(network, prefix, family);

/** True for an IP address a fetch must not reach by default. BlockList also matches IPv4-mapped IPv6 (`::ffff:127.0.0.1`) against the IPv4 ranges. */
export function isPrivateAddress(address: string): boolean {
  const bare = address.startsWith("[") && address.endsWith("]") ? address.slice(1, -1) : address;
  const family = isIP(bare);
  if (family === 4) return blockList.check(bare, "ipv4");
  if (family === 6) return blockList.check(bare, "ipv6");
  return true; // not an address at all: refuse rather than guess
}
