// The terminal a gateway was started from closes (a closed ssh session or terminal window): the kernel
// sends SIGHUP and the terminal fails every write after it (EIO). The real `bin/hearth gateway` on a real
// pseudo-terminal (util-linux `script`), whose end is closed under it.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { startFakeServer, type FakeServer } from "../fakes/fake-server.js";
import { ptyMissing, runInPty } from "../helpers/pty.js";
import { tempDir } from "../helpers/run-cli.js";
import { lastUser, scriptedModel } from "../helpers/scripted-model.js";

function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  return new Promise((resolve, reject) => {
    const look = (): void => {
      if (check()) resolve();
      else if (Date.now() > deadline) reject(new Error(`gave up waiting for ${what}`));
      else setTimeout(look, 50);
    };
    look();
  });
}

function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("hearth gateway: its terminal hangs up", { skip: ptyMissing, timeout: 60_000 }, () => {
  const temp = tempDir("hearth-hang-up-");
  const servers: FakeServer[] = [];
  const pids: number[] = [];
  after(async () => {
    for (const pid of pids) if (running(pid)) process.kill(pid, "SIGKILL");
    for (const server of servers) await server.close();
    temp.cleanup();
  });

  test("the terminal closes (SIGHUP, then EIO on its writes): the gateway keeps running and answering, and its log says why", async () => {
    const server = await startFakeServer(scriptedModel("openai-completions", (turns) => ({ text: `echo: ${lastUser(turns)}` })));
    servers.push(server);
    const file = temp.write("hang-up.json5", `{
      agents: { defaults: { model: { primary: "local/m" } } },
      models: { mode: "replace", providers: { local: { baseUrl: "${server.baseUrl}", api: "openai-completions", models: [{ id: "m", contextWindow: 32768, maxTokens: 1024 }] } } },
    }`);
    const state = join(temp.dir, "state");
    const terminal = runInPty(["gateway", "--port", "0", "--config", file], { env: { HEARTH_STATE_DIR: state } });
    await terminal.waitFor(/web chat at http:\/\/\S+/);
    const url = /web chat at (http:\/\/[^/\s]+)/.exec(terminal.output)?.[1] ?? "";
    const { pid } = JSON.parse(readFileSync(join(state, "gateway.owner.json"), "utf8")) as { pid: number };
    pids.push(pid);
    // The terminal goes away: `script` ends, its end of the pseudo-terminal closes, and the kernel hangs up the gateway's.
    terminal.kill("SIGKILL");
    await terminal.exited;
    const log = join(state, "logs", "gateway.log");
    await until(() => /SIGHUP: the gateway keeps running/.test(readFileSync(log, "utf8")) || !running(pid), "the gateway's SIGHUP line");
    assert.ok(running(pid), `the gateway ended at the hang-up; its log:\n${readFileSync(log, "utf8")}`);
    // Its line to the hung-up terminal failed (EIO): that terminal is said gone, and written to no more.
    await until(() => /the terminal went away \(stderr closed\): the gateway keeps running, and writes to this log only/.test(readFileSync(log, "utf8")), "the closed terminal's line");
    // A line for the closed terminal (a config edit is said there): written there no more, and nothing ends.
    const edited = readFileSync(file, "utf8");
    temp.write("hang-up.json5", `${edited}\n`);
    await until(() => /"msg":"config reloaded"/.test(readFileSync(log, "utf8")), "the reload");
    const reply = await fetch(`${url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "hearth", messages: [{ role: "user", content: "still there?" }] }) });
    assert.equal(reply.status, 200);
    assert.equal(((await reply.json()) as { choices: { message: { content: string } }[] }).choices[0]?.message.content, "echo: still there?");
    assert.ok(running(pid));
    // It stops as any gateway does, and says so.
    process.kill(pid, "SIGTERM");
    await until(() => !running(pid), "the stop");
    assert.match(readFileSync(log, "utf8"), /"msg":"gateway stopped"/);
  });

  test("a SIGHUP sent by hand while its terminal is open: the gateway keeps running and keeps writing to that terminal", { timeout: 30_000 }, async () => {
    const server = await startFakeServer(scriptedModel("openai-completions", (turns) => ({ text: `echo: ${lastUser(turns)}` })));
    servers.push(server);
    const file = temp.write("hand-hup.json5", `{
      agents: { defaults: { model: { primary: "local/m" } } },
      models: { mode: "replace", providers: { local: { baseUrl: "${server.baseUrl}", api: "openai-completions", models: [{ id: "m", contextWindow: 32768, maxTokens: 1024 }] } } },
    }`);
    const state = join(temp.dir, "hand-hup-state");
    const terminal = runInPty(["gateway", "--port", "0", "--config", file], { env: { HEARTH_STATE_DIR: state } });
    await terminal.waitFor(/web chat at http:\/\/\S+/);
    const { pid } = JSON.parse(readFileSync(join(state, "gateway.owner.json"), "utf8")) as { pid: number };
    pids.push(pid);
    process.kill(pid, "SIGHUP");
    await terminal.waitFor(/SIGHUP: the gateway keeps running/);
    assert.ok(running(pid));
    // The terminal is still there: what the gateway says next is written to it (before, a SIGHUP silenced it for good).
    const from = terminal.output.length;
    temp.write("hand-hup.json5", `${readFileSync(file, "utf8")}\n`);
    await terminal.waitFor(/config reloaded/, from);
    const log = readFileSync(join(state, "logs", "gateway.log"), "utf8");
    assert.doesNotMatch(log, /the terminal went away/, "nothing said the terminal went away");
    terminal.send("\u0003");
    await terminal.exited;
    await until(() => !running(pid), "the stop");
  });
});
