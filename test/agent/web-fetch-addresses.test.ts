// web_fetch never reaches this machine, however its address is written: every interface's address
// (read at fetch time), and every IPv6 spelling that carries a private or own IPv4 address.
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { networkInterfaces, tmpdir } from "node:os";
import { after, before, describe, test } from "node:test";
import { canonicalAddress } from "../../src/agent/tools/ip-address.js";
import { interfaceAddresses, isPrivateAddress, privateReason, refusalReason } from "../../src/agent/tools/private-address.js";
import type { ToolContext, ToolSettings } from "../../src/agent/tools/tool.js";
import { createWebFetchTool } from "../../src/agent/tools/web-fetch.js";
import { UntrustedMarker } from "../../src/agent/untrusted.js";

const marker = new UntrustedMarker("abcabcabcabc");
const context = (settings: ToolSettings = {}): ToolContext => ({ signal: new AbortController().signal, stateDir: tmpdir(), settings, untrusted: (text, source) => marker.wrap(text, source) });
const nothingPrivateByRange = () => false;

/** A page server on `host`, counting the requests that reached it. */
async function pageServer(host: string): Promise<{ server: Server; port: number; hits: string[] }> {
  const hits: string[] = [];
  const server = createServer((request, response) => {
    hits.push(request.url ?? "/");
    response.writeHead(200, { "content-type": "text/plain" }).end("served on this machine");
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, host, () => resolve());
  });
  return { server, port: (server.address() as AddressInfo).port, hits };
}

async function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
}

describe("IPv6 forms that carry an IPv4 address are judged by it", () => {
  const loopbackForms: [string, string][] = [
    ["::ffff:127.0.0.1", "IPv4-mapped"],
    ["::ffff:7f00:1", "IPv4-mapped"],
    ["::ffff:0:7f00:1", "IPv4-translated"],
    ["::ffff:0:127.0.0.1", "IPv4-translated"],
    ["::127.0.0.1", "IPv4-compatible"],
    ["::7f00:1", "IPv4-compatible"],
    ["64:ff9b::7f00:1", "NAT64"],
    ["64:ff9b::127.0.0.1", "NAT64"],
    ["64:ff9b:1::7f00:1", "NAT64 (local-use)"],
    ["2002:7f00:1::", "6to4"],
    ["2002:7f00:1:1234::5", "6to4"],
    // Teredo: server 65.54.227.120, client 127.0.0.1 stored inverted (0x80ff:fffe).
    ["2001:0:4136:e378:8000:63bf:80ff:fffe", "Teredo"],
  ];
  for (const [address, form] of loopbackForms) {
    test(`${address} is the ${form} form of 127.0.0.1`, () => {
      assert.equal(canonicalAddress(address), "127.0.0.1");
      assert.equal(privateReason(address), `the ${form} form of 127.0.0.1, a loopback, private or link-local address`);
      assert.equal(privateReason(`[${address}]`), privateReason(address), "brackets as in a URL");
    });
  }

  test("other private IPv4 addresses inside IPv6 forms", () => {
    for (const address of ["::ffff:169.254.169.254", "::ffff:0:a9fe:a9fe", "64:ff9b::10.0.0.1", "2002:c0a8:101::1", "::ffff:0.0.0.0", "64:ff9b::ffff:ffff", "2001:0:4136:e378::3f57:fefe"]) {
      assert.equal(isPrivateAddress(address), true, address);
    }
  });

  test("a public IPv4 address inside a mapped or NAT64 form stays public: IPv6-only networks reach sites through NAT64", () => {
    for (const address of ["::ffff:8.8.8.8", "64:ff9b::808:808", "::ffff:0:808:808"]) assert.equal(privateReason(address), undefined, address);
  });

  test("6to4, Teredo and local-use NAT64 are refused whatever they carry: tunnels and translators on someone's network", () => {
    for (const address of ["2002:808:808::1", "2001:0:4136:e378:8000:63bf:f7f7:f7f7", "64:ff9b:1::808:808"]) assert.equal(isPrivateAddress(address), true, address);
  });

  test("unspecified, loopback, link-local, multicast, broadcast, documentation, benchmarking and discard ranges", () => {
    const refused = [
      "0.0.0.0", "0.1.2.3", "255.255.255.255", "240.0.0.1", "224.0.0.251", "239.255.255.250", "192.0.2.2", "198.51.100.7", "203.0.113.9", "198.18.0.1", "192.88.99.1",
      "::", "::1", "fe80::1", "fe80::1%eth0", "ff02::1", "ff05::fb", "2001:db8::1", "3fff::1", "100::1", "2001:2::1", "fd00::2", "fec0::1",
    ];
    for (const address of refused) assert.equal(isPrivateAddress(address), true, address);
    for (const address of ["93.184.216.34", "1.1.1.1", "2606:4700::1111", "2a00:1450:4001:80b::200e"]) assert.equal(isPrivateAddress(address), false, address);
  });
});

describe("web_fetch refuses URLs that name a loopback address in another spelling", () => {
  let page: Awaited<ReturnType<typeof pageServer>>;
  before(async () => {
    page = await pageServer("127.0.0.1");
  });
  after(async () => {
    await closeServer(page.server);
  });

  const hosts = ["[::ffff:0:7f00:1]", "[::ffff:127.0.0.1]", "[::127.0.0.1]", "[64:ff9b::7f00:1]", "[2002:7f00:1::]", "[2001:0:4136:e378:8000:63bf:80ff:fffe]", "[::]", "[::1]", "0.0.0.0", "0x7f.1", "2130706433", "127.1"];
  for (const host of hosts) {
    test(`http://${host}:PORT/ is refused before any connection`, async () => {
      const before = page.hits.length;
      const result = await createWebFetchTool().run({ url: `http://${host}:${page.port}/` }, context());
      assert.equal(result.isError, true);
      assert.match(result.content, /^refused: .* is at [^,]+, .*(loopback, private or link-local|an address of this machine)/);
      assert.equal(page.hits.length, before, "nothing reached the server");
    });
  }
});

describe("web_fetch refuses this machine's own addresses, read at fetch time", () => {
  let page: Awaited<ReturnType<typeof pageServer>>;
  before(async () => {
    page = await pageServer("127.0.0.1");
  });
  after(async () => {
    await closeServer(page.server);
  });

  test("any address in the interface list is refused, in every spelling, though no range calls it private", () => {
    const own = ["93.184.216.34", "2606:4700::1111"];
    const policy = { ownAddresses: () => own };
    assert.equal(refusalReason("93.184.216.34", policy), "an address of this machine");
    assert.equal(refusalReason("::ffff:93.184.216.34", policy), "the IPv4-mapped form of 93.184.216.34, an address of this machine");
    assert.equal(refusalReason("64:ff9b::5db8:d822", policy), "the NAT64 form of 93.184.216.34, an address of this machine");
    assert.equal(refusalReason("2606:4700:0::1111", policy), "an address of this machine");
    assert.equal(refusalReason("93.184.216.35", policy), undefined, "a neighbour is not this machine");
    assert.equal(refusalReason("93.184.216.34", { ownAddresses: () => [] }), undefined);
  });

  test("a name resolving to an own address, and a redirect to one, are refused before connecting", async () => {
    const own = "93.184.216.34";
    const tool = createWebFetchTool({ resolve: async () => [{ address: own, family: 4 }], ownAddresses: () => [own] });
    const byName = await tool.run({ url: "http://me.example:8080/" }, context());
    assert.deepEqual([byName.content, byName.isError], [`refused: me.example:8080 is at ${own}, an address of this machine; web_fetch only reaches public addresses (tools.web_fetch.allowPrivateNetwork allows others)`, true]);
    const literal = await tool.run({ url: `http://[::ffff:${own}]:8080/` }, context());
    assert.match(literal.content, /^refused: \[::ffff:5db8:d822\]:8080 is at ::ffff:5db8:d822, the IPv4-mapped form of 93\.184\.216\.34, an address of this machine/);

    const redirecting = await pageServer("127.0.0.1");
    redirecting.server.removeAllListeners("request");
    redirecting.server.on("request", (_request, response) => response.writeHead(302, { location: "http://me.example:8080/" }).end());
    try {
      const hop = createWebFetchTool({ resolve: async () => [{ address: own, family: 4 }], isPrivate: nothingPrivateByRange, ownAddresses: () => [own] });
      const result = await hop.run({ url: `http://127.0.0.1:${redirecting.port}/` }, context());
      assert.match(result.content, /^refused: me\.example:8080 is at 93\.184\.216\.34, an address of this machine/);
    } finally {
      await closeServer(redirecting.server);
    }
  });

  test("the list is read at every fetch, not when the tool is made", async () => {
    let own: string[] = [];
    const tool = createWebFetchTool({ isPrivate: nothingPrivateByRange, ownAddresses: () => own });
    const url = `http://127.0.0.1:${page.port}/first`;
    const first = await tool.run({ url }, context());
    assert.equal(first.isError, false, first.content);
    assert.match(first.content, /served on this machine/);
    own = ["127.0.0.1"];
    const before = page.hits.length;
    const second = await tool.run({ url }, context());
    assert.match(second.content, /^refused: 127\.0\.0\.1:\d+ is at 127\.0\.0\.1, an address of this machine/);
    assert.equal(page.hits.length, before);
  });

  test("every address of this machine's interfaces counts as its own, though no range calls it private", () => {
    const addresses = interfaceAddresses();
    assert.ok(addresses.includes("127.0.0.1"), "the list is the real one");
    for (const address of addresses) assert.equal(refusalReason(address, { isPrivate: nothingPrivateByRange }), "an address of this machine", address);
  });

  const external = Object.values(networkInterfaces())
    .flatMap((entries) => entries ?? [])
    .find((entry) => !entry.internal && entry.family === "IPv4");
  test(
    "a page served on this machine's non-loopback interface is refused",
    { skip: external ? false : "this machine has no non-loopback IPv4 interface to serve on (the injected-list tests above still ran)" },
    async () => {
      const address = external?.address ?? "";
      const own = await pageServer(address);
      try {
        // No range may refuse it: only the interface list can.
        const tool = createWebFetchTool({ isPrivate: nothingPrivateByRange });
        const result = await tool.run({ url: `http://${address}:${own.port}/` }, context());
        assert.deepEqual([result.content, result.isError], [`refused: ${address}:${own.port} is at ${address}, an address of this machine; web_fetch only reaches public addresses (tools.web_fetch.allowPrivateNetwork allows others)`, true]);
        const mapped = await tool.run({ url: `http://[::ffff:${address}]:${own.port}/` }, context());
        assert.match(mapped.content, new RegExp(`the IPv4-mapped form of ${address.replaceAll(".", "\\.")}, an address of this machine`));
        const defaults = await createWebFetchTool().run({ url: `http://${address}:${own.port}/` }, context());
        assert.equal(defaults.isError, true);
        assert.match(defaults.content, /^refused: /);
        assert.deepEqual(own.hits, [], "nothing reached the server");
      } finally {
        await closeServer(own.server);
      }
    },
  );
});
