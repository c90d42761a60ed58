import { BlockList } from "node:net";
import { networkInterfaces } from "node:os";
import { canonicalAddress, parseAddress, type EmbeddingForm } from "./ip-address.js";

/** Addresses a fetched page must not reach unless the user allows it: this machine, private networks, link-local (cloud metadata), CGNAT, multicast, documentation and reserved ranges. */
const BLOCKED: readonly [string, number, "ipv4" | "ipv6"][] = [
  ["0.0.0.0", 8, "ipv4"], // "this network"; 0.0.0.0 reaches this machine
  ["10.0.0.0", 8, "ipv4"], // RFC 1918
  ["100.64.0.0", 10, "ipv4"], // CGNAT, Tailscale
  ["127.0.0.0", 8, "ipv4"], // loopback
  ["169.254.0.0", 16, "ipv4"], // link-local, cloud metadata 169.254.169.254
  ["172.16.0.0", 12, "ipv4"], // RFC 1918
  ["192.0.0.0", 24, "ipv4"], // IETF protocol assignments
  ["192.0.2.0", 24, "ipv4"], // documentation (TEST-NET-1)
  ["192.88.99.0", 24, "ipv4"], // 6to4 relay anycast (deprecated)
  ["192.168.0.0", 16, "ipv4"], // RFC 1918
  ["198.18.0.0", 15, "ipv4"], // benchmarking
  ["198.51.100.0", 24, "ipv4"], // documentation (TEST-NET-2)
  ["203.0.113.0", 24, "ipv4"], // documentation (TEST-NET-3)
  ["224.0.0.0", 4, "ipv4"], // multicast
  ["240.0.0.0", 4, "ipv4"], // reserved, and 255.255.255.255 broadcast
  ["::", 128, "ipv6"], // unspecified
  ["::1", 128, "ipv6"], // loopback
  ["::", 96, "ipv6"], // IPv4-compatible (deprecated); the embedded IPv4 is judged too
  ["64:ff9b:1::", 48, "ipv6"], // NAT64 local-use prefix: a translator on someone's own network
  ["100::", 64, "ipv6"], // discard-only
  ["2001::", 32, "ipv6"], // Teredo tunnels (the client address inside is judged too)
  ["2001:2::", 48, "ipv6"], // benchmarking
  ["2001:db8::", 32, "ipv6"], // documentation
  ["2002::", 16, "ipv6"], // 6to4 tunnels (deprecated, RFC 7526; the address inside is judged too)
  ["3fff::", 20, "ipv6"], // documentation (RFC 9637)
  ["fc00::", 7, "ipv6"], // unique local
  ["fe80::", 10, "ipv6"], // link-local
  ["fec0::", 10, "ipv6"], // site-local (deprecated)
  ["ff00::", 8, "ipv6"], // multicast
];

const PRIVATE_WORDS = "a loopback, private or link-local address";

const FORM_NAMES: Record<EmbeddingForm, string> = {
  mapped: "IPv4-mapped",
  translated: "IPv4-translated",
  compatible: "IPv4-compatible",
  nat64: "NAT64",
  "nat64-local": "NAT64 (local-use)",
  "6to4": "6to4",
  teredo: "Teredo",
};

const RANGES = new BlockList();
for (const [network, prefix, family] of BLOCKED) RANGES.addSubnet(network, prefix, family);

/**
 * Why `address` is private by range, or undefined when it is public; anything that is not an IP
 * address is refused. An IPv6 form that carries an IPv4 address is judged by that address as well
 * as by its own range, so `::ffff:0:7f00:1`, `::127.0.0.1`, `64:ff9b::7f00:1`, `2002:7f00:1::` and a
 * Teredo address hiding 127.0.0.1 are all loopback. NAT64's well-known prefix is judged only by the
 * address inside: an IPv6-only network reaches public IPv4 sites through it.
 */
export function privateReason(address: string): string | undefined {
  const parsed = parseAddress(address);
  if (!parsed) return "not an IP address";
  if (parsed.family === 4) return RANGES.check(parsed.ipv4, "ipv4") ? PRIVATE_WORDS : undefined;
  const embedded = parsed.embedded;
  if (embedded && RANGES.check(embedded.ipv4, "ipv4")) return `the ${FORM_NAMES[embedded.form]} form of ${embedded.ipv4}, ${PRIVATE_WORDS}`;
  const groups = parsed.groups.map((group) => group.toString(16)).join(":");
  return RANGES.check(groups, "ipv6") ? PRIVATE_WORDS : undefined;
}

/** True for an IP address a fetch must not reach by default (by range; {@link refusalReason} adds this machine's own). */
export function isPrivateAddress(address: string): boolean {
  return privateReason(address) !== undefined;
}

/** This machine's own addresses, read now: an interface address outside every private range (a public IP) still reaches this machine. */
export function interfaceAddresses(): string[] {
  return Object.values(networkInterfaces()).flatMap((entries) => (entries ?? []).map((entry) => entry.address));
}

export interface AddressPolicy {
  /** Which addresses count as private by range; default {@link isPrivateAddress}. */
  isPrivate?: ((address: string) => boolean) | undefined;
  /** This machine's addresses, read at every check (interfaces come and go); default {@link interfaceAddresses}. */
  ownAddresses?: (() => readonly string[]) | undefined;
}

/** Why a fetch may not connect to `address` (private by range, or one of this machine's own in any spelling), or undefined when it may. */
export function refusalReason(address: string, policy: AddressPolicy = {}): string | undefined {
  const parsed = parseAddress(address);
  const canonical = canonicalAddress(address);
  if (!parsed || canonical === undefined) return "not an IP address";
  const byRange = policy.isPrivate ? (policy.isPrivate(address) ? PRIVATE_WORDS : undefined) : privateReason(address);
  if (byRange) return byRange;
  const own = (policy.ownAddresses ?? interfaceAddresses)();
  if (!own.some((entry) => canonicalAddress(entry) === canonical)) return undefined;
  const embedded = parsed.family === 6 ? parsed.embedded : undefined;
  return embedded ? `the ${FORM_NAMES[embedded.form]} form of ${embedded.ipv4}, an address of this machine` : "an address of this machine";
}

const THIS_MACHINE = new BlockList();
THIS_MACHINE.addSubnet("127.0.0.0", 8, "ipv4"); // loopback
THIS_MACHINE.addSubnet("0.0.0.0", 8, "ipv4"); // 0.0.0.0 reaches this machine
THIS_MACHINE.addAddress("::1", "ipv6");
THIS_MACHINE.addAddress("::", "ipv6");

/** Whether `address` reaches this machine: loopback or unspecified (in any IPv6 form that carries one), or one of its own interfaces' addresses. */
export function onThisMachine(address: string, policy: Pick<AddressPolicy, "ownAddresses"> = {}): boolean {
  const parsed = parseAddress(address);
  if (!parsed) return false;
  const ipv4 = parsed.family === 4 ? parsed.ipv4 : parsed.embedded?.ipv4;
  if (ipv4 !== undefined && THIS_MACHINE.check(ipv4, "ipv4")) return true;
  if (parsed.family === 6 && THIS_MACHINE.check(parsed.groups.map((group) => group.toString(16)).join(":"), "ipv6")) return true;
  const own = new Set((policy.ownAddresses ?? interfaceAddresses)().map((entry) => canonicalAddress(entry)));
  return own.has(canonicalAddress(address)) || (ipv4 !== undefined && own.has(canonicalAddress(ipv4)));
}
