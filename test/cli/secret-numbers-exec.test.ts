// A prompt-injected model runs exec to dump a file holding the config's key as numbers (od, hexdump,
// xxd -e: octal, decimal, characters, little-endian words of two, four and eight bytes), the real tools run by `hearth agent`: what
// the model is sent of each output, and what the agent prints, has the key's lines masked.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { startFakeServer, type FakeServer } from "../fakes/fake-server.js";
import { runCli, tempDir } from "../helpers/run-cli.js";
import { scriptedModel } from "../helpers/scripted-model.js";

// Not key-shaped (no "sk-…"): only knowing the value can mask it.
const KEY = "canary-Numbers-5d8e2b7c91af";
const DUMPS: [string, ...string[]][] = [
  ["od", "-b"], ["od", "-c"], ["od", "-An", "-tu1"], ["od", "-x"], ["hexdump"], ["hexdump", "-d"], ["xxd", "-e"],
  // Words in octal (od's default) and of four and eight bytes.
  ["od"], ["od", "-to2"], ["hexdump", "-o"], ["od", "-td4"], ["od", "-tu4"], ["od", "-to4"], ["od", "-tu8"],
  // python3 printing the file's bytes: other separators, unpadded binary, octal escapes, zero-padded, a list of hex strings.
  ...["';'.join(str(b) for b in d)", "'|'.join(str(b) for b in d)", "' '.join(bin(b)[2:] for b in d)", "''.join('\\\\%o' % b for b in d)", "' '.join('%03d' % b for b in d)", "[hex(b) for b in d]"].map(
    (expression): [string, ...string[]] => ["python3", "-c", `import sys; d = open(sys.argv[1], 'rb').read(); print(${expression})`],
  ),
];

describe("exec dumping a key as numbers reaches neither the model nor the user unmasked", () => {
  const temp = tempDir();
  let server: FakeServer | undefined;
  after(async () => {
    await server?.close();
    temp.cleanup();
  });

  test("od -b, od -c, od -An -tu1, od -x, hexdump, hexdump -d, xxd -e, od, od -to2, hexdump -o, od -td4, -tu4, -to4, -tu8, python3's lists of its bytes, of a file holding the key: every line with its bytes masked", async () => {
    const work = join(temp.dir, "work");
    mkdirSync(work);
    temp.write("work/notes.txt", `api_key=${KEY}\n`);
    server = await startFakeServer(
      scriptedModel("openai-completions", (turns) => {
        const done = turns.filter((turn) => turn.role === "tool").length;
        const next = DUMPS[done];
        if (next) return { tool: "exec", arguments: { command: next[0], args: [...next.slice(1), "notes.txt"] } };
        return { text: `Tool said:\n${turns.filter((turn) => turn.role === "tool").map((turn) => turn.text).join("\n")}` };
      }),
    );
    const configFile = temp.write(
      "hearth.json5",
      `{ agents: { defaults: { model: { primary: "p/m" }, maxSteps: 30, tools: { exec: { commands: ["od", "hexdump", "xxd", "python3"], allowUnknownOptions: true, cwd: "${work}", sandbox: "off" } } } },
  models: { mode: "replace", providers: { p: { baseUrl: "${server.baseUrl}", api: "openai-completions", apiKey: "${KEY}", models: [{ id: "m" }] } } } }`,
    );
    const result = await runCli(["agent", "--config", configFile, "--message", "dump it"], { env: { HEARTH_STATE_DIR: join(temp.dir, "state") } });
    assert.equal(result.code, 0, result.stderr);
    const sent = server.requests.map((request) => JSON.stringify(request.body)).join("\n");
    assert.equal(sent.match(/exit code 0/g)?.length, DUMPS.length * (DUMPS.length + 1) / 2, "every dump ran, each output sent on with every later request");
    for (const [command, ...args] of DUMPS) {
      const raw = execFileSync(command, [...args, "notes.txt"], { cwd: work }).toString();
      // Every line of the dump but its closing offset holds some of the key's bytes.
      const lines = raw.split("\n").filter((line) => line.trim() !== "" && !/^[0-9a-f]{7}$/.test(line.trim()));
      for (const line of lines) {
        assert.ok(!sent.includes(JSON.stringify(line).slice(1, -1)), `the model was sent ${command} ${args.join(" ")}'s line unmasked: ${line}`);
        assert.ok(!result.stdout.includes(line), `hearth agent printed ${command} ${args.join(" ")}'s line unmasked: ${line}`);
      }
    }
    assert.match(result.stdout, /Tool said:/);
    assert.ok((result.stdout.match(/\*\*\*/g)?.length ?? 0) >= DUMPS.length, result.stdout);
  });
});
