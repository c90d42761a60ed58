// A turn cut by a killed `hearth agent` (s19 leftover): the one-shot command has no gateway start to close it, so
// the session showed the message with no answer and no word. Its journal (`inbox/<pid>.jsonl`, as the gateway's)
// names the turn and the process; whatever next touches the session closes it as the gateway's start does: the
// next `hearth agent` turn (and says so), `sessions show`, and a running gateway's turn there. The real built CLI
// killed with SIGKILL while the model holds its answer.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { startFakeServer, type FakeServer, type Handler } from "../fakes/fake-server.js";
import { hearthBin, runCli, tempDir } from "../helpers/run-cli.js";
import { startGateway, type RunningGateway } from "../helpers/run-gateway.js";
import { lastUser, scriptedModel, type Turn } from "../helpers/scripted-model.js";

const CUT = "hearth stopped while answering this message (hearth agent was killed or crashed): the words shown as the answer streamed were not kept — --retry (hearth agent), /retry or the web chat's Retry sends it again";

function config(baseUrl: string): string {
  return `{ agents: { defaults: { model: { primary: "local/m" } } },
    models: { mode: "replace", providers: { local: { baseUrl: "${baseUrl}", api: "openai-completions", models: [{ id: "m", contextWindow: 32768, maxTokens: 1024 }] } } } }`;
}

/** A model that answers "echo: <message>", holding forever every message that says "hold"; each request's conversation is kept. */
function holdingModel(): { handler: Handler; held: () => Promise<void>; seen: Turn[][] } {
  const seen: Turn[][] = [];
  const answer = scriptedModel("openai-completions", (turns) => {
    seen.push(turns);
    return { text: `echo: ${lastUser(turns)}` };
  });
  let arrived: () => void = () => undefined;
  const holding = new Promise<void>((resolve) => (arrived = resolve));
  return {
    seen,
    held: () => holding,
    handler: async (request) => {
      if (request.path === "/v1/chat/completions" && JSON.stringify(request.body).includes("hold")) {
        arrived();
        await new Promise(() => undefined);
      }
      return answer(request);
    },
  };
}

interface Entry {
  type: string;
  text?: string;
  error?: string;
}

function entries(state: string, session: string): Entry[] {
  return readFileSync(join(state, "sessions", `${session}.jsonl`), "utf8")
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as Entry);
}

describe("a turn cut by a killed `hearth agent`", { timeout: 120_000 }, () => {
  const temp = tempDir();
  const servers: FakeServer[] = [];
  const gateways: RunningGateway[] = [];
  after(async () => {
    await Promise.all(gateways.map((gateway) => gateway.stop()));
    await Promise.all(servers.map((server) => server.close()));
    temp.cleanup();
  });

  /** `hearth agent -m "<text>"` on `session`, killed with SIGKILL once the model holds its answer. */
  async function killedMidAnswer(setup: { file: string; state: string; session: string; model: ReturnType<typeof holdingModel> }): Promise<void> {
    const child = spawn(process.execPath, [hearthBin, "agent", "--config", setup.file, "--session", setup.session, "-m", "hold this one"], { env: { PATH: process.env.PATH, HOME: "/nonexistent-home", NO_COLOR: "1", HEARTH_STATE_DIR: setup.state }, stdio: "ignore" });
    const exited = new Promise((resolve) => child.once("exit", resolve));
    await setup.model.held();
    child.kill("SIGKILL");
    await exited;
    assert.deepEqual(entries(setup.state, setup.session).map((entry) => entry.type), ["session", "user"], "the message is saved, its answer never came");
    assert.equal(readdirSync(join(setup.state, "inbox")).length, 1, "its journal names the turn under way");
  }

  async function launch(model: ReturnType<typeof holdingModel>, name: string): Promise<{ file: string; state: string }> {
    const server = await startFakeServer(model.handler);
    servers.push(server);
    return { file: temp.write(`${name}.json5`, config(server.baseUrl)), state: join(temp.dir, `${name}-state`) };
  }

  test("`sessions show` says the earlier turn was cut, and the session file keeps it; the journal is gone", async () => {
    const model = holdingModel();
    const { file, state } = await launch(model, "show");
    await killedMidAnswer({ file, state, session: "s", model });
    const shown = await runCli(["sessions", "show", "s"], { env: { HEARTH_STATE_DIR: state } });
    assert.equal(shown.code, 0, shown.stderr);
    assert.ok(shown.stdout.includes(`_No answer: ${CUT}_`), shown.stdout);
    assert.deepEqual(entries(state, "s").map((entry) => [entry.type, entry.error]), [["session", undefined], ["user", undefined], ["turn-failed", CUT]]);
    assert.equal(existsSync(join(state, "inbox")) ? readdirSync(join(state, "inbox")).length : 0, 0);
    // Shown again: marked once.
    await runCli(["sessions", "show", "s"], { env: { HEARTH_STATE_DIR: state } });
    assert.equal(entries(state, "s").filter((entry) => entry.type === "turn-failed").length, 1);
  });

  test("the next `hearth agent` turn closes it first and says so; the model is sent the new message alone", async () => {
    const model = holdingModel();
    const { file, state } = await launch(model, "next");
    await killedMidAnswer({ file, state, session: "s", model });
    const next = await runCli(["agent", "--config", file, "--session", "s", "-m", "the next one"], { env: { HEARTH_STATE_DIR: state } });
    assert.equal(next.code, 0, next.stderr);
    assert.equal(next.stdout, "echo: the next one\n");
    assert.doesNotMatch(next.stderr, /busy/, "the killed process's lock is taken at once (its holder is gone), not waited for");
    assert.ok(next.stderr.includes(`an earlier message in this conversation got no answer ("hold this one"): ${CUT}`), next.stderr);
    assert.deepEqual(entries(state, "s").map((entry) => entry.type), ["session", "user", "turn-failed", "user", "assistant"]);
    assert.deepEqual(model.seen.at(-1)?.filter((turn) => turn.role !== "system").map((turn) => turn.text), ["the next one"], "the cut turn is left out of what is sent");
  });

  test("a running gateway's read of the session (a page opening it) closes it: shown unanswered, with why, not under way", async () => {
    const model = holdingModel();
    const { file, state } = await launch(model, "read");
    const gateway = await startGateway(["--config", file], { HEARTH_STATE_DIR: state });
    gateways.push(gateway);
    await killedMidAnswer({ file, state, session: "s", model });
    const snapshot = (await (await fetch(`${gateway.url}/api/sessions/s`)).json()) as { items: { role: string; text: string; unanswered?: boolean; pending?: boolean }[] };
    assert.deepEqual(entries(state, "s").map((entry) => [entry.type, entry.error]), [["session", undefined], ["user", undefined], ["turn-failed", CUT]], "closed for real, under the session's lock");
    const message = snapshot.items.find((item) => item.text === "hold this one");
    assert.equal(message?.unanswered, true, JSON.stringify(snapshot.items));
    assert.notEqual(message?.pending, true);
    assert.ok(snapshot.items.some((item) => item.role === "notice" && item.text.includes(CUT)), JSON.stringify(snapshot.items));
    assert.equal(existsSync(join(state, "inbox")) ? readdirSync(join(state, "inbox")).length : 0, 0, "the killed process's journal is gone");
  });

  test("a running gateway's turn in that session closes it first, as the gateway's page then shows it", async () => {
    const model = holdingModel();
    const { file, state } = await launch(model, "gateway");
    const gateway = await startGateway(["--config", file], { HEARTH_STATE_DIR: state });
    gateways.push(gateway);
    await killedMidAnswer({ file, state, session: "s", model });
    const posted = await fetch(`${gateway.url}/api/sessions/s/messages`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ text: "from the page" }) });
    assert.equal(posted.status, 202);
    for (;;) {
      const types = entries(state, "s").map((entry) => entry.type);
      if (types.at(-1) === "assistant") break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.deepEqual(entries(state, "s").map((entry) => [entry.type, entry.error]), [["session", undefined], ["user", undefined], ["turn-failed", CUT], ["user", undefined], ["assistant", undefined]]);
    const snapshot = (await (await fetch(`${gateway.url}/api/sessions/s`)).json()) as { items: { role: string; text: string; unanswered?: boolean }[] };
    assert.equal(snapshot.items.find((item) => item.text === "hold this one")?.unanswered, true);
  });
});
