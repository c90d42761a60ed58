// t19 #4: whatever holds a model server's port answers an HTML page: `models status --probe` and doctor say the
// server there is not a model server, with its page's title and server, and the fix (baseUrl/port) — no markup.
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { runCli, tempDir } from "../helpers/run-cli.js";

const temp = tempDir();
let server: Server;
let file: string;
let origin: string;
before(async () => {
  server = createServer((request, response) => {
    request.resume();
    response.writeHead(404, { "content-type": "text/html" });
    response.end('<!DOCTYPE html><html><head><title>404 Not Found</title></head><body><h1>Not Found</h1><hr><address>Apache/2.4.57 (Debian)</address></body></html>');
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  file = temp.write("hearth.json5", `{ agents: { defaults: { model: { primary: "local/m" } } }, models: { mode: "replace", providers: { local: { baseUrl: "${origin}/v1", api: "openai-completions", models: [{ id: "m" }] } } } }`);
});
after(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  temp.cleanup();
});

test("models status --probe and doctor: not a model server, named by its page, with the baseUrl's fix, never its markup", async () => {
  const env = { HEARTH_STATE_DIR: join(temp.dir, "state") };
  for (const args of [["models", "status", "--probe", "--config", file], ["doctor", "--config", file]]) {
    const result = await runCli(args, { env });
    const said = `${result.stdout}${result.stderr}`;
    assert.doesNotMatch(said, /<!DOCTYPE|<html|<address|<\/?h1>/i, `${args[0]}: no markup`);
    assert.match(said, new RegExp(`the server at ${origin.replace(/[.:/]/g, "\\$&")} is not a model server: it answered GET /v1/models 404 with an HTML page \\("404 Not Found"\\), served by Apache/2\\.4\\.57 \\(Debian\\)`), `${args[0]}: ${said}`);
    assert.match(said, /check models\.providers\.local\.baseUrl \(its host and port/, args[0]);
  }
});
