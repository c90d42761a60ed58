// A slash word that names no command, in the terminal (the real `bin/hearth`): `hearth agent` refuses it
// as bad usage (exit 2, the nearest command named), `hearth chat` answers it; neither asks a model or
// keeps it. `//word` sends `/word` to the model.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { startFakeServer, type FakeServer } from "../fakes/fake-server.js";
import { runCli, tempDir } from "../helpers/run-cli.js";
import { lastUser } from "../helpers/scripted-model.js";
import { strictModel, userTexts } from "../helpers/strict-model.js";

describe("slash words in the terminal", () => {
  const temp = tempDir();
  let server: FakeServer;
  let file = "";
  before(async () => {
    server = await startFakeServer(strictModel((turns) => ({ text: `got: ${lastUser(turns)}` })));
    file = temp.write(
      "hearth.json5",
      `{ agents: { defaults: { model: "local/m" } }, models: { mode: "replace", providers: { local: { baseUrl: "${server.baseUrl}", api: "openai-completions", models: [{ id: "m", contextWindow: 32768, maxTokens: 256 }] } } } }`,
    );
  });
  after(async () => {
    await server.close();
    temp.cleanup();
  });
  const posts = (): string[][] => server.requests.filter((request) => request.method === "POST").map((request) => userTexts(request));

  test("hearth agent: a mistyped command, or lines after a command that reads none, exits 2 saying so; //shrug is sent as /shrug", async () => {
    const env = { HEARTH_STATE_DIR: join(temp.dir, "agent") };
    const typo = await runCli(["agent", "--config", file, "-m", "/modle Spare"], { env });
    assert.deepEqual([typo.code, typo.stdout, typo.stderr], [2, "", "hearth: unknown command /modle — did you mean /model? (/help lists them)\n"]);
    const json = await runCli(["agent", "--json", "--config", file, "-m", "/bogus"], { env });
    assert.equal(json.code, 2);
    assert.match(json.stdout, /unknown command \/bogus \(\/help lists them; to send it as a message, start it with \/\/: \/\/bogus\)/);
    const trailing = await runCli(["agent", "--config", file, "-m", "/new\nhello there"], { env });
    assert.deepEqual([trailing.code, trailing.stdout, trailing.stderr], [2, "", "hearth: /new starts a fresh conversation and takes nothing after it, so nothing was done: send /new alone, then the lines after it as a message of their own.\n"]);
    assert.deepEqual(posts(), [], "no model was asked");
    const literal = await runCli(["agent", "--config", file, "-m", "//shrug"], { env });
    assert.deepEqual([literal.code, literal.stdout], [0, "got: /shrug\n"]);
    const path = await runCli(["agent", "--config", file, "-m", "/etc/hosts maps names"], { env });
    assert.deepEqual([path.code, path.stdout], [0, "got: /etc/hosts maps names\n"]);
  });

  test("hearth chat: /bogus is answered and not kept; the next message goes out without it", async () => {
    const before = posts().length;
    const chat = await runCli(["chat", "--config", file, "--session", "c"], { env: { HEARTH_STATE_DIR: join(temp.dir, "chat") }, input: "/bogus\nhello\n" });
    assert.equal(chat.code, 0, chat.stderr);
    assert.deepEqual(chat.stdout.split("\n").filter((line) => line !== ""), ["unknown command /bogus (/help lists them; to send it as a message, start it with //: //bogus)", "got: hello"]);
    assert.deepEqual(posts().slice(before), [["hello"]], "one request, and /bogus is not in its history");
  });
});
