// t18 #3: a baseUrl on one of this machine's own addresses (what `hostname -I` shows; a VPS's public
// address) was judged hosted: the provider's status page as the fix, no `needs setup` line. It is this
// machine, so local; and a server that refuses there most likely listens on 127.0.0.1 only, which the
// fix says. The server here listens on 127.0.0.1 only, as llama-server does by default. The address is this
// machine's own: the kernel routes it through the loopback device (`ip route get` says "local … dev lo"), so
// nothing leaves the machine, as for 127.0.0.1.
import assert from "node:assert/strict";
import { networkInterfaces } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { startLlamaCpp } from "../fakes/llamacpp-server.js";
import { refusedUrl } from "../fakes/fake-server.js";
import { runCli, tempDir } from "../helpers/run-cli.js";

/** One of this machine's own IPv4 addresses other than loopback; undefined on a machine with none. */
const ownAddress = Object.values(networkInterfaces())
  .flatMap((entries) => entries ?? [])
  .find((entry) => entry.family === "IPv4" && !entry.internal)?.address;

test("a server at this machine's own address that refuses: local, and the fix is 127.0.0.1 in baseUrl or the server on that address", { skip: ownAddress === undefined ? "this machine has no address but loopback" : false }, async () => {
  const address = ownAddress ?? "";
  const server = await startLlamaCpp({});
  const temp = tempDir();
  try {
    const port = new URL(server.url).port;
    const file = temp.write("hearth.json5", `{
  agents: { defaults: { model: { primary: "local/my-local-model" } } },
  models: { mode: "replace", providers: { local: { baseUrl: "http://${address}:${port}/v1", apiKey: "sk-local", api: "openai-completions", models: [{ id: "my-local-model", contextWindow: 2048, maxTokens: 256 }] } } },
}
`);
    const env = { HEARTH_STATE_DIR: join(temp.dir, "state"), HEARTH_GATEWAY_URL: await refusedUrl() };
    const status = await runCli(["models", "status", "--probe", "--config", file], { env });
    assert.equal(status.code, 1, status.stdout + status.stderr);
    assert.match(status.stdout, new RegExp(`openai-completions · http://${address.replace(/\./g, "\\.")}:${port}/v1 · local ·`), status.stdout);
    assert.match(status.stdout, new RegExp(`${address.replace(/\./g, "\\.")}:${port} is this machine's own address, and the server probably listens on 127\\.0\\.0\\.1 only`), status.stdout);
    assert.match(status.stdout, new RegExp(`fix: set models\\.providers\\.local\\.baseUrl to "http://127\\.0\\.0\\.1:${port}/v1", or start the server on that address \\(llama-server: --host 0\\.0\\.0\\.0`), status.stdout);
    assert.doesNotMatch(status.stdout, /status page/);
    // The same server at 127.0.0.1 answers: the fix is true.
    const fixed = temp.write("fixed.json5", `{
  agents: { defaults: { model: { primary: "local/stories260k" } } },
  models: { mode: "replace", providers: { local: { baseUrl: "http://127.0.0.1:${port}/v1", api: "openai-completions", models: [{ id: "stories260k", contextWindow: 2048, maxTokens: 256 }] } } },
}
`);
    const after = await runCli(["models", "status", "--probe", "--config", fixed], { env });
    assert.doesNotMatch(after.stdout, /unreachable/, after.stdout);
  } finally {
    await server.close();
    temp.cleanup();
  }
});
