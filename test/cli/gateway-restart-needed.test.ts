// Trial (t3 #9): `gateway: { auth: { token } }` added to the config of a running gateway: it kept answering
// without a token (`GET /v1/models` → 200), as documented (a restart is needed); only its own stdout said so,
// while `gateway status` ("running …") and `doctor` said nothing — easy to believe the API was protected.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { runCli, tempDir } from "../helpers/run-cli.js";
import { freePort } from "../helpers/free-port.js";
import { startGateway, startGatewayWith } from "../helpers/run-gateway.js";

const TOKEN = "t3-secret-token-0123456789abcdef";

describe("a gateway setting edited in the config of a running gateway", () => {
  const temp = tempDir();
  after(() => temp.cleanup());

  test("a token added: the gateway still answers without it; gateway status and doctor say a restart is needed and what holds until then, never the token", async () => {
    const config = temp.write("hearth.json5", `{ agents: { defaults: { maxSteps: 8 } } }`);
    const env = { HEARTH_STATE_DIR: join(temp.dir, "state"), HOME: join(temp.dir, "home") };
    const gateway = await startGateway(["--config", config], env);
    try {
      const quiet = await runCli(["gateway", "status", "--config", config], { env });
      assert.doesNotMatch(quiet.stdout, /restart needed/);
      temp.write("hearth.json5", `{ agents: { defaults: { maxSteps: 8 } }, gateway: { auth: { token: "${TOKEN}" } } }`);
      await gateway.waitFor(/config reloaded/);
      assert.equal((await fetch(`${gateway.url}/v1/models`)).status, 200, "it still answers without a token, as documented");

      const expected = "restart needed: gateway.auth.token changed in the config since the gateway started (set); until then the gateway asks for no token: the API and the web chat answer anyone who reaches them";
      const status = await runCli(["gateway", "status", "--config", config], { env });
      assert.equal(status.code, 1, status.stdout + status.stderr); // running, but no model answers here: needs setup (exit 1)
      assert.ok(status.stdout.split("\n").includes(`${expected} (stop the gateway and start it again)`), status.stdout);
      const json = JSON.parse((await runCli(["gateway", "status", "--config", config, "--json"], { env })).stdout) as { restartNeeded?: { key: string; change: string }[] };
      assert.deepEqual(json.restartNeeded?.map(({ key, change }) => ({ key, change })), [{ key: "gateway.auth.token", change: "added" }]);

      const doctor = await runCli(["doctor", "--config", config], { env });
      assert.match(doctor.stdout, /^✗ error \[gateway-restart-needed\] restart needed: gateway\.auth\.token changed in the config since the gateway started \(set\); until then the gateway asks for no token/m, doctor.stdout);
      const findings = (JSON.parse((await runCli(["doctor", "--config", config, "--json"], { env })).stdout) as { findings: { id: string; title: string }[] }).findings;
      assert.equal(findings.find((finding) => finding.id === "gateway-restart-needed")?.title, expected);
      assert.match(findings.find((finding) => finding.id === "gateway-exposed")?.title ?? "", /the config sets gateway\.auth\.token, but the running gateway asks for none until it is restarted/);
      const health = await (await fetch(`${gateway.url}/health`)).text();
      for (const output of [status.stdout, status.stderr, doctor.stdout, doctor.stderr, health, gateway.stdout(), gateway.stderr()]) assert.ok(!output.includes(TOKEN), "the token is never shown");
    } finally {
      await gateway.stop();
    }
  });

  test("the port edited (started without --port) is named with where it listens until then; an edit back clears it", async () => {
    const port = await freePort();
    const config = temp.write("port.json5", `{ gateway: { port: ${port} } }`);
    const env = { HEARTH_STATE_DIR: join(temp.dir, "port-state"), HOME: join(temp.dir, "home") };
    const gateway = await startGatewayWith(["--config", config], env);
    try {
      temp.write("port.json5", `{ gateway: { port: 1 } }`);
      await gateway.waitFor(/config reloaded/);
      await gateway.waitFor(/restart needed: gateway\.port changed in the config since the gateway started; until then the gateway listens at/, "stderr");
      const json = JSON.parse((await runCli(["gateway", "status", "--config", config, "--json"], { env })).stdout) as { restartNeeded?: { key: string; consequence: string }[] };
      assert.deepEqual(json.restartNeeded, [{ key: "gateway.port", change: "changed", consequence: `the gateway listens at ${gateway.url}/, not on port 1` }]);
      temp.write("port.json5", `{ gateway: { port: ${port} } }`);
      await gateway.waitFor(/config reloaded/);
      const back = JSON.parse((await runCli(["gateway", "status", "--config", config, "--json"], { env })).stdout) as { restartNeeded?: unknown };
      assert.equal(back.restartNeeded, undefined);
    } finally {
      await gateway.stop();
    }
  });
});
