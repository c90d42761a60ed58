// s24 review #9: a web chat message the gateway could not keep is a 500 `not_kept` only where the state dir refused
// the write (a full disk, a read-only or unwritable folder: the page sends it again later); any other fault before
// it is kept is a 500 `internal_error`, which waiting does not mend (the page keeps it for the user's Retry).
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Hono } from "hono";
import { apiRoutes } from "../../src/channels/http/api-routes.js";
import { TurnControls } from "../../src/channels/http/turn-controls.js";
import type { GatewayPort } from "../../src/gateway/port.js";
import { fileSystemFault } from "../../src/shared/fs-fault.js";
import { serveApp, testGateway, type TestGateway } from "../helpers/test-gateway.js";

describe("a web chat message the gateway could not keep: the disk's refusal or a fault", () => {
  let gateway: TestGateway;
  let url = "";
  let close: () => Promise<void> = async () => undefined;
  let fault: unknown;
  const logged: { level: string; message: string | undefined; fields: object }[] = [];
  before(async () => {
    gateway = await testGateway(`{
      agents: { defaults: { model: "local/m" } },
      models: { mode: "replace", providers: { local: { baseUrl: "http://127.0.0.1:9/v1", api: "openai-completions", models: [{ id: "m", contextWindow: 8192, maxTokens: 512 }] } } },
    }`);
    const failing: GatewayPort = { ...gateway.port, handle: () => Promise.reject(fault) };
    const logger = {
      info: () => undefined,
      warn: (fields: object, message?: string) => void logged.push({ level: "warn", message, fields }),
      error: (fields: object, message?: string) => void logged.push({ level: "error", message, fields }),
    };
    const served = await serveApp(new Hono().route("/api", apiRoutes({ port: failing, version: "test", controls: new TurnControls(), logger })));
    url = served.url;
    close = () => served.close();
  });
  after(async () => {
    await close();
    await gateway.close();
  });
  const post = async (): Promise<{ status: number; code: string; message: string }> => {
    const reply = await fetch(`${url}/api/sessions/s/messages`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ text: "hello", id: `id-${logged.length}` }) });
    const body = (await reply.json()) as { error: { message: string; code: string } };
    return { status: reply.status, code: body.error.code, message: body.error.message };
  };

  test("the state dir refusing the write (ENOSPC, EACCES, EROFS, a file for the folder): not_kept, logged as a warning", async () => {
    for (const code of ["ENOSPC", "EACCES", "EROFS", "ENOTDIR"]) {
      logged.length = 0;
      fault = fileSystemFault(Object.assign(new Error(`${code}: refused`), { code }), { path: "/state/inbox/1.jsonl", doing: "keep the message (it waits for its turn) in" });
      const answer = await post();
      assert.equal(answer.status, 500, code);
      assert.equal(answer.code, "not_kept", code);
      assert.match(answer.message, /^not accepted: cannot keep the message \(it waits for its turn\) in \/state\/inbox\/1\.jsonl: /, code);
      assert.deepEqual(logged.map((each) => each.level), ["warn"], code);
      assert.ok(!("err" in (logged[0]?.fields ?? {})), `${code}: no stack for the disk's refusal`);
    }
  });

  test("any other fault (a TypeError, an fs error of no disk class): internal_error, logged with its stack", async () => {
    for (const error of [new TypeError("Cannot read properties of undefined (reading 'id')"), fileSystemFault(Object.assign(new Error("odd"), { code: "EINVAL" }), { path: "/state/inbox/1.jsonl", doing: "keep the message in" })]) {
      logged.length = 0;
      fault = error;
      const answer = await post();
      assert.equal(answer.status, 500);
      assert.equal(answer.code, "internal_error", String(error));
      assert.deepEqual(logged.map((each) => each.level), ["error"]);
    }
    fault = new TypeError("boom");
    assert.equal((await post()).message, "not accepted: a fault in hearth kept it from keeping the message (its log says what: hearth logs)");
  });
});
