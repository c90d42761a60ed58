// t18 #6: a live edit to gateway.bind "0.0.0.0" with no token was told as "restart needed … stop the gateway and
// start it again", and `config validate` called the file valid — the restart then refused to start, leaving the
// gateway down. Both now say that a start with this config is refused, and the token to write first.
import assert from "node:assert/strict";
import { test } from "node:test";
import { gatewaySectionSchema } from "../../src/config/schema/gateway-section.js";
import { restartNeeds } from "../../src/ops/restart-needed.js";
import { runCli, tempDir } from "../helpers/run-cli.js";

const section = (value: unknown) => gatewaySectionSchema.parse(value);
const started = { gateway: section({}), flags: {}, url: "http://127.0.0.1:18790" };

test("a bind beyond loopback with no token: the restart it needs is said to be refused until a token is written", () => {
  const [need, ...rest] = restartNeeds(started, section({ bind: "0.0.0.0" }));
  assert.deepEqual(rest, []);
  assert.equal(need?.key, "gateway.bind");
  assert.match(need?.consequence ?? "", /^the gateway listens at http:\/\/127\.0\.0\.1:18790\/, not on 0\.0\.0\.0; and a start with the config as it is now is refused \(0\.0\.0\.0 is not loopback and gateway\.auth\.token is not set\): write a token first — .*HEARTH_GATEWAY_TOKEN/);
  // With a token beside it: the restart is only needed, not refused.
  const withToken = restartNeeds(started, section({ bind: "0.0.0.0", auth: { token: "t".repeat(32) } }));
  assert.ok(withToken.every((each) => !each.consequence.includes("refused")), JSON.stringify(withToken));
  // The token removed from a gateway started beyond loopback: that need says it.
  const open = { gateway: section({ bind: "0.0.0.0", auth: { token: "t".repeat(32) } }), flags: {}, url: "http://0.0.0.0:18790" };
  const removed = restartNeeds(open, section({ bind: "0.0.0.0" }));
  assert.equal(removed[0]?.key, "gateway.auth.token");
  assert.match(removed[0]?.consequence ?? "", /^the gateway still asks for the old token; and a start with the config as it is now is refused/);
  // Started with --bind on loopback: the config's bind does not apply, nothing is refused.
  const flagged = restartNeeds({ ...started, flags: { bind: "127.0.0.1" } }, section({ bind: "0.0.0.0" }));
  assert.deepEqual(flagged, []);
});

test("config validate warns that the gateway refuses to start on a bind beyond loopback without a token", async () => {
  const temp = tempDir("hearth-open-bind-validate-");
  try {
    const config = temp.write("hearth.json5", `{ gateway: { bind: "0.0.0.0" } }`);
    const result = await runCli(["config", "validate", "--config", config], { env: { HOME: temp.dir } });
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(result.stdout + result.stderr, /gateway\.bind.*"0\.0\.0\.0" is not loopback and gateway\.auth\.token is not set: `[^`]*gateway` refuses to start with this config; write a token first/s);
    const fine = temp.write("fine.json5", `{ gateway: { bind: "0.0.0.0", auth: { token: "\${HEARTH_GATEWAY_TOKEN}" } } }`);
    const ok = await runCli(["config", "validate", "--config", fine], { env: { HOME: temp.dir, HEARTH_GATEWAY_TOKEN: "x".repeat(40) } });
    assert.doesNotMatch(ok.stdout + ok.stderr, /refuses to start/);
  } finally {
    temp.cleanup();
  }
});
