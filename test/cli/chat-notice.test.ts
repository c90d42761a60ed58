import assert from "node:assert/strict";
import { join } from "node:path";
import { PassThrough, Writable } from "node:stream";
import { after, test } from "node:test";
import { chatCommand } from "../../src/cli/commands/chat.js";
import { startFakeServer } from "../fakes/fake-server.js";
import { tempDir } from "../helpers/run-cli.js";

/** A terminal: stdout and stderr both draw on one screen, in the order they are written. */
function terminal() {
  let screen = "";
  const stream = (): Writable & { isTTY: boolean; columns: number } =>
    Object.assign(
      new Writable({
        write(chunk, _encoding, done) {
          screen += String(chunk);
          done();
        },
      }),
      { isTTY: true, columns: 80 },
    );
  return { stdout: stream(), stderr: stream(), screen: () => screen };
}

const temp = tempDir();
after(() => temp.cleanup());

test("chat on a terminal: the cut-off notice starts on a line of its own, never glued to the streamed answer", { timeout: 30_000 }, async () => {
  const server = await startFakeServer((request) => {
    if (request.method !== "POST") return { kind: "json", status: 404, body: {} };
    const chunk = (delta: Record<string, unknown>, finish: string | null) => ({ data: JSON.stringify({ id: "c", object: "chat.completion.chunk", created: 1, model: "m", choices: [{ index: 0, delta, finish_reason: finish }] }) });
    return { kind: "sse", frames: [chunk({ role: "assistant", content: "Once upon a time" }, null), chunk({}, "length"), { data: "[DONE]" }] };
  });
  const file = temp.write(
    "chat.json5",
    `{ agents: { defaults: { model: "local/m" } }, models: { mode: "replace", providers: { local: { baseUrl: "${server.baseUrl}", api: "openai-completions", models: [{ id: "m", contextWindow: 32768, maxTokens: 128 }] } } } }`,
  );
  const screen = terminal();
  const input = Object.assign(new PassThrough(), { isTTY: true });
  const running = chatCommand({ env: { NO_COLOR: "1", HEARTH_STATE_DIR: join(temp.dir, "state"), HOME: temp.dir }, cwd: temp.dir, stdin: input, stdout: screen.stdout, stderr: screen.stderr, command: "hearth" }, { config: file }, input);
  input.write("tell me a story\r");
  while (!screen.screen().includes("cut off")) await new Promise((resolve) => setTimeout(resolve, 20));
  input.end();
  assert.equal(await running, 0);
  await server.close();
  assert.match(screen.screen(), /Once upon a time\nthe answer was cut off at the reply limit \(128 tokens: local\/m's maxTokens in the config\); ask to continue, or raise maxTokens there/);
});
