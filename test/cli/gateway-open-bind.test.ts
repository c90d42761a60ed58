// A gateway started with --bind 0.0.0.0 (a token set): the URL it prints is one a browser on this machine can
// open, with the addresses other machines reach it at; `security audit` sees the running gateway's open bind
// (from gateway.listening/, as `gateway status` finds it) and says whether it asks for its token.
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { networkInterfaces } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { listenBanner } from "../../src/cli/gateway/listen-banner.js";
import { networkUrls } from "../../src/config/gateway-address.js";
import { openGatewayFindings } from "../../src/ops/security/running-gateway.js";
import { runCli, tempDir } from "../helpers/run-cli.js";
import { startGateway, type RunningGateway } from "../helpers/run-gateway.js";

const temp = tempDir();
const gateways: RunningGateway[] = [];
after(async () => {
  await Promise.all(gateways.map((gateway) => gateway.stop()));
  temp.cleanup();
});

interface Finding {
  id: string;
  severity: string;
  title: string;
  detail: string;
  remediation: string;
}

test("--bind 0.0.0.0: the web chat URL is 127.0.0.1 with the network addresses beside it, and the audit names the running gateway's open bind and its token", { timeout: 60_000 }, async () => {
  const home = join(temp.dir, "home");
  mkdirSync(join(home, ".hearth"), { recursive: true });
  // Its token from the environment, as the docs advise; the models are beside the point (no server is asked).
  writeFileSync(join(home, ".hearth", "hearth.json5"), `{ gateway: { auth: { token: "\${HEARTH_GATEWAY_TOKEN}" } }, models: { providers: { local: { baseUrl: "http://127.0.0.1:9/v1", api: "openai-completions", models: [{ id: "m" }] } } }, agents: { defaults: { model: "local/m" } } }`);
  const env = { HOME: home, HEARTH_GATEWAY_TOKEN: "open-bind-token-0123456789abcdef" };
  const gateway = await startGateway(["--bind", "0.0.0.0"], env);
  gateways.push(gateway);
  const port = Number(new URL(gateway.url).port);
  assert.match(gateway.stdout(), new RegExp(`^hearth gateway \\S+: web chat at http://127\\.0\\.0\\.1:${port}/$`, "m"));
  assert.doesNotMatch(gateway.stdout(), /0\.0\.0\.0:\d+/, "a bind address is not printed as one to open");
  const lan = networkUrls({ bind: "0.0.0.0", port }, networkInterfaces()).map((url) => `${url}/`);
  const where = lan.length > 0 ? lan.join(", ") : "no address of this machine's network interfaces (none is up but loopback)";
  assert.equal(await gateway.waitFor(/^on the network: .*$/m), `on the network: ${where} (it listens on 0.0.0.0, every IPv4 interface; every request but the page itself needs its token)`);
  assert.equal((await fetch(`${gateway.url}/health`)).status, 200, "the printed URL opens");

  const audit = await runCli(["security", "audit", "--json"], { env });
  const findings = (JSON.parse(audit.stdout) as { findings: Finding[] }).findings;
  const running = findings.find((finding) => finding.id === "gateway-running-open");
  assert.ok(running, audit.stdout);
  assert.equal(running.severity, "high");
  assert.match(running.title, new RegExp(`^the running gateway \\(pid \\d+\\) listens on 0\\.0\\.0\\.0:${port} \\(every interface\\), not loopback: --bind 0\\.0\\.0\\.0 on its command line$`));
  assert.match(running.detail, /it asks for its token \(gateway\.auth\.token\)/);
  for (const url of lan) assert.ok(running.detail.includes(url), running.detail);
  assert.match(running.remediation, /^restart it without --bind/);
  assert.doesNotMatch(audit.stdout, /open-bind-token/, "the token is never shown");
  assert.equal(audit.code, 1, "a high finding");
  // gateway status names it by the address to open, not the wildcard it listens on (t18 #12).
  const status = await runCli(["gateway", "status"], { env });
  assert.match(status.stdout, new RegExp(`^running: http://127\\.0\\.0\\.1:${port}/ `, "m"), status.stdout);
  assert.doesNotMatch(status.stdout, /http:\/\/0\.0\.0\.0/, status.stdout);

  await gateway.stop();
  const after = await runCli(["security", "audit", "--json"], { env });
  assert.ok(!(JSON.parse(after.stdout) as { findings: Finding[] }).findings.some((finding) => finding.id === "gateway-running-open"), "a stopped gateway exposes nothing");
});

test("the banner and the finding for the other binds: loopback as it listens, one address as itself, a gateway asking no token said so", () => {
  const interfaces = {
    lo: [{ address: "127.0.0.1", family: "IPv4", internal: true }, { address: "::1", family: "IPv6", internal: true }],
    eth0: [{ address: "192.168.1.20", family: "IPv4", internal: false }, { address: "fd00::20", family: "IPv6", internal: false }, { address: "fe80::1", family: "IPv6", internal: false }],
  };
  assert.deepEqual(listenBanner({ bind: "127.0.0.1", port: 18790, url: "http://127.0.0.1:18790" }, interfaces), { url: "http://127.0.0.1:18790", network: undefined });
  assert.deepEqual(listenBanner({ bind: "::", port: 18790, url: "http://[::]:18790" }, interfaces), {
    url: "http://[::1]:18790",
    network: "on the network: http://192.168.1.20:18790/, http://[fd00::20]:18790/ (it listens on ::, every interface; every request but the page itself needs its token)",
  });
  assert.deepEqual(listenBanner({ bind: "192.168.1.20", port: 18790, url: "http://192.168.1.20:18790" }, interfaces), {
    url: "http://192.168.1.20:18790",
    network: "on the network: http://192.168.1.20:18790/ (it listens on 192.168.1.20; every request but the page itself needs its token)",
  });
  const [open] = openGatewayFindings([{ pid: 7, bind: "0.0.0.0", port: 18790, flags: [], reachedAt: ["http://192.168.1.20:18790"], token: { asked: false } }]);
  assert.equal(open?.title, "the running gateway (pid 7) listens on 0.0.0.0:18790 (every interface), not loopback: gateway.bind in the config it started with");
  assert.match(open?.detail ?? "", /^Other machines on the network reach it at http:\/\/192\.168\.1\.20:18790\/; it asks for no token: whoever reaches it drives the agent/);
  assert.match(open?.remediation ?? "", /^set gateway\.bind to "127\.0\.0\.1" and restart it, .*; at the least give it a token: /);
});
