// Trial t18 #3 against the real llama-server run with -c 1024 and the config's 32768/8192: the server is
// stopped (SIGSTOP) when hearth's first turn is planned, so the ask for its context gets no answer, and
// resumed (SIGCONT) when the turn's own call reaches it — a loopback proxy in front of it sees that call
// and resumes the server then, so the order is the trial's whatever the machine's speed. The server fills
// its window and stops; its Responses API says "completed". hearth says the answer was cut off by the
// server's 1,024-token window, not a whole answer and not the reply limit. In the first run the server is
// also slow to say its window once it has answered (stopped again for longer than an ask's own limits when
// the ask after the reply reaches it), as a loaded machine once made it (CI of session 25): the answer is
// still called cut off.
import assert from "node:assert/strict";
import { createServer, request as forward, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { runCli, tempDir } from "../helpers/run-cli.js";
import type { AgentJson } from "./config.js";
import { startRealServer, type RealServer } from "./real-server.js";

let server: RealServer;
let proxy: Server;
let proxyUrl: string;
const temp = tempDir();
/** Each request's method and path, as the proxy passed it on. */
const seen: string[] = [];
/** How long the server is stopped when the first ask for its window after the turn's call reaches it (0: not stopped). */
let slowAfterReply = 0;
/** The turn's call was answered (its response passed on whole). */
let replied = false;
/** Resumes the server stopped for slowAfterReply. */
let resumeLater: NodeJS.Timeout | undefined;

before(async () => {
  server = await startRealServer({ ctx: 1024 });
  proxy = createServer((incoming, outgoing) => {
    const line = `${incoming.method ?? "GET"} ${incoming.url ?? "/"}`;
    seen.push(line);
    if (line.startsWith("POST /v1/responses")) {
      server.resume();
      outgoing.on("finish", () => (replied = true));
    }
    if (line === "GET /props" && replied && slowAfterReply > 0) {
      server.stop();
      resumeLater = setTimeout(() => server.resume(), slowAfterReply);
      slowAfterReply = 0;
    }
    const upstream = forward({ host: "127.0.0.1", port: server.port, method: incoming.method, path: incoming.url, headers: incoming.headers }, (answer) => {
      outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(outgoing);
    });
    upstream.on("error", () => outgoing.destroy());
    // A client that gave up (the ask's time limit) gives up on the server too.
    outgoing.on("close", () => {
      if (!outgoing.writableFinished) upstream.destroy();
    });
    incoming.pipe(upstream);
  });
  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
});
after(async () => {
  server.resume();
  proxy.closeAllConnections();
  await new Promise((resolve) => proxy.close(resolve));
  temp.cleanup();
  await server.kill();
});

test("a first turn planned while the server is stopped runs into its 1,024-token window: cut off by that window, said so", { timeout: 120_000 }, async () => {
  const file = temp.write("hearth.json5", `{ agents: { defaults: { model: { primary: "local/${server.alias}" } } },
    models: { mode: "replace", providers: { local: { baseUrl: "${proxyUrl}/v1", apiKey: "sk-local", api: "openai-responses", models: [{ id: "${server.alias}", contextWindow: 32768, maxTokens: 8192 }] } } } }`);
  for (const [run, json] of [["json", true], ["said", false]] as const) {
    // Past the one second the ask after a reply once had, and past the two seconds an ask waits for a first byte.
    slowAfterReply = json ? 2_500 : 0;
    replied = false;
    server.stop();
    const result = await runCli(["agent", "--config", file, ...(json ? ["--json"] : []), "-m", "tell me a story"], { env: { HEARTH_STATE_DIR: join(temp.dir, run) } });
    clearTimeout(resumeLater);
    server.resume();
    assert.equal(result.code, 0, result.stderr);
    assert.ok(seen.includes("GET /props"), seen.join("\n"));
    if (json) {
      const answer = JSON.parse(result.stdout) as AgentJson;
      const { input, cacheRead, output } = answer.usage;
      assert.equal(input + cacheRead + output, 1024, "the server filled its window");
      assert.equal(answer.truncated, true, result.stdout);
    } else {
      assert.match(result.stderr, /^the answer was cut off at the model's context window: the prompt \(\d+ tokens\) and the answer \(\d+\) filled its 1024, below the reply limit \(8192\)/m, result.stderr);
    }
  }
});
