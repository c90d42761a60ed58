// The general rules of a turn (docs/agent.md, docs/routing.md) hold through the real `bin/hearth gateway`
// as they do in the terminal: a cancelled or refused turn is absent from what the model is sent next,
// a model the user names is tried while it cools down, and a server that says nothing is reported
// within 10 s. What the model was sent is read from the requests the fake servers recorded.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { startFakeServer, type FakeServer, type Handler, type RecordedRequest } from "../fakes/fake-server.js";
import { startLmStudio } from "../fakes/lmstudio-server.js";
import { runCli, tempDir } from "../helpers/run-cli.js";
import { startGateway, type RunningGateway } from "../helpers/run-gateway.js";
import { conversationOf, lastUser, scriptedModel } from "../helpers/scripted-model.js";
import { openSse, type SseConnection } from "../helpers/sse-client.js";

type Mode = "answer" | "rate-limited";

/**
 * A local model server: lists "m" (unless `listing` is off), answers "<name>: <message>", never answers a message
 * holding HANG (or STALL-<name>), refuses one holding BADREQ; rate-limited, a 429 for every other.
 */
function modelServer(name: string, mode: { current: Mode; listing: boolean }): Handler {
  const answer = scriptedModel("openai-completions", (turns) => ({ text: `${name}: ${lastUser(turns)}` }));
  return (request) => {
    if (request.method === "GET" && request.path === "/v1/models") {
      return mode.listing ? { kind: "json", body: { object: "list", data: [{ id: "m", object: "model" }] } } : { kind: "json", status: 503, body: { error: { message: "busy" } } };
    }
    const said = lastUser(conversationOf("openai-completions", request.body as Record<string, unknown>));
    if (said.includes("HANG") || said.includes(`STALL-${name}`)) return { kind: "hang-before-headers" };
    if (said.includes("BADREQ")) return { kind: "json", status: 400, body: { error: { message: "invalid request: unknown field 'x'" } } };
    // Retry-After 600: the cooldown outlasts the test, so only a probe can end it.
    if (mode.current === "rate-limited") return { kind: "json", status: 429, headers: { "retry-after": "600" }, body: { error: { message: "rate limited, try later" } } };
    return answer(request);
  };
}

const calls = (server: FakeServer): RecordedRequest[] => server.requests.filter((request) => request.path === "/v1/chat/completions");
const sentText = (request: RecordedRequest | undefined): string => JSON.stringify(request?.body ?? null);
const eventData = <T>(message: { data: string }): T => JSON.parse(message.data) as T;

describe("the real gateway keeps the turn rules on every path", { timeout: 300_000 }, () => {
  const temp = tempDir();
  const homeMode = { current: "answer" as Mode, listing: true };
  let home: FakeServer;
  let other: FakeServer;
  let gateway: RunningGateway;
  let events: SseConnection;
  let state: string;
  before(async () => {
    home = await startFakeServer(modelServer("home", homeMode));
    other = await startFakeServer(modelServer("other", { current: "answer", listing: true }));
    const file = temp.write(
      "rules.json5",
      `{
        agents: { defaults: { model: { primary: "home/m", fallbacks: ["other/m"] }, models: { "home/m": { alias: "Home" }, "other/m": { alias: "Other" } } } },
        models: { mode: "replace", providers: {
          home: { baseUrl: "${home.baseUrl}", api: "openai-completions", timeoutSeconds: 7, models: [{ id: "m", contextWindow: 32768, maxTokens: 1024 }] },
          other: { baseUrl: "${other.baseUrl}", api: "openai-completions", models: [{ id: "m", contextWindow: 32768, maxTokens: 1024 }] },
        } },
      }`,
    );
    state = join(temp.dir, "state");
    gateway = await startGateway(["--config", file], { HEARTH_STATE_DIR: state });
    events = await openSse(`${gateway.url}/api/events`);
  });
  after(async () => {
    events.close();
    await gateway.stop();
    await home.close();
    await other.close();
    temp.cleanup();
  });

  const post = async (session: string, body: Record<string, unknown>): Promise<void> => {
    const response = await fetch(`${gateway.url}/api/sessions/${session}/messages`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    assert.equal(response.status, 202, await response.text());
  };
  const turnEnd = async (session: string): Promise<{ ok: boolean; text?: string; model?: string; cause?: string }> =>
    eventData<{ result: { ok: boolean; text?: string; model?: string; cause?: string } }>(await events.next((message) => message.event === "turn-end" && eventData<{ session: string }>(message).session === session)).result;
  const commandResult = async (session: string): Promise<string> =>
    eventData<{ text: string }>(await events.next((message) => message.event === "command-result" && eventData<{ session: string }>(message).session === session)).text;
  const arrived = async (server: FakeServer, marker: string): Promise<void> => {
    await events.next((message) => message.event === "turn-start" && message.data.includes(marker));
    while (!calls(server).some((request) => sentText(request).includes(marker))) await new Promise((resolve) => setTimeout(resolve, 20));
  };
  const completion = (session: string, text: string, signal?: AbortSignal): Promise<Response> =>
    fetch(`${gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-hearth-session": session },
      body: JSON.stringify({ model: "hearth", stream: signal !== undefined, messages: [{ role: "user", content: text }] }),
      ...(signal ? { signal } : {}),
    });

  test("a message naming a model or agent that does not exist is refused at once, listing the choices (not a silent 202)", async () => {
    for (const [body, expected] of [
      [{ text: "hello", model: "Nonexistent" }, /model "Nonexistent": .*not a known model or alias; you can choose: Home \(home\/m\), Other \(other\/m\)/],
      [{ text: "hello", agent: "nobody" }, /no agent "nobody" \(agents: main\)/],
    ] as const) {
      const response = await fetch(`${gateway.url}/api/sessions/unknown-names/messages`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
      assert.equal(response.status, 400);
      const error = ((await response.json()) as { error: { message: string; type: string } }).error;
      assert.match(error.message, expected);
      assert.equal(error.type, "invalid_request_error");
    }
    const listed = await fetch(`${gateway.url}/api/sessions/unknown-names`);
    assert.equal(listed.status, 404, "nothing was kept for a message that was refused");
  });

  test("a turn cancelled from the web chat's API is absent from the next request; the message stays in the session file", async () => {
    await post("cancelled", { text: "HANG cancelled-from-the-page" });
    await arrived(home, "cancelled-from-the-page");
    const cancel = await fetch(`${gateway.url}/api/sessions/cancelled/cancel`, { method: "POST" });
    assert.deepEqual(await cancel.json(), { cancelled: true });
    assert.equal((await turnEnd("cancelled")).cause, "cancelled");
    await post("cancelled", { text: "the next one" });
    assert.equal((await turnEnd("cancelled")).text, "home: the next one");
    const next = sentText(calls(home).at(-1));
    assert.match(next, /the next one/);
    assert.doesNotMatch(next, /cancelled-from-the-page/);
    assert.match(readFileSync(join(state, "sessions", "cancelled.jsonl"), "utf8"), /cancelled-from-the-page/, "what the user said is kept");
  });

  test("a turn the server refused as a bad request is absent from the next request (web chat API and HTTP API)", async () => {
    await post("refused", { text: "BADREQ refused-on-the-page" });
    assert.equal((await turnEnd("refused")).cause, "permanent");
    await post("refused", { text: "after the refusal" });
    assert.equal((await turnEnd("refused")).ok, true);
    assert.doesNotMatch(sentText(calls(home).at(-1)), /refused-on-the-page/);

    const refused = await completion("refused-http", "BADREQ refused-over-http");
    assert.equal(refused.status, 400);
    const next = await completion("refused-http", "after the refusal over http");
    assert.equal(next.status, 200);
    const last = sentText(calls(home).at(-1));
    assert.match(last, /after the refusal over http/);
    assert.doesNotMatch(last, /refused-over-http/);
  });

  test("an HTTP client that goes away mid-turn cancels it: the message is absent from the next request", async () => {
    const controller = new AbortController();
    const streaming = completion("went-away", "HANG client-went-away", controller.signal).catch((error: unknown) => error);
    await arrived(home, "client-went-away");
    controller.abort();
    await streaming;
    assert.equal((await turnEnd("went-away")).cause, "cancelled");
    const next = await completion("went-away", "back again");
    assert.equal(next.status, 200);
    const last = sentText(calls(home).at(-1));
    assert.match(last, /back again/);
    assert.doesNotMatch(last, /client-went-away/);
  });

  test("a server that says nothing is reported within 10 s: as a turn event, on the gateway's terminal and in its log", async () => {
    await post("silent", { text: "HANG nobody answers" });
    const waiting = eventData<{ event: { type: string; model: string; waitedMs: number; next: string } }>(
      await events.next((message) => message.event === "turn-event" && eventData<{ session: string; event: { type: string } }>(message).event.type === "attempt-waiting"),
    ).event;
    assert.equal(waiting.model, "home/m");
    assert.equal(waiting.next, "other/m");
    assert.ok(waiting.waitedMs <= 10_000, `told after ${waiting.waitedMs} ms`);
    const line = await gateway.waitFor(/session silent: no reply from Home for \d+ s \(prompt \d+ tokens[^)]*\) — trying Other if none by \d+ s \(its first-token limit\)/);
    assert.ok(line);
    assert.match(readFileSync(join(state, "logs", "gateway.log"), "utf8"), /"msg":"session silent: no reply from Home for \d+ s/);
    await fetch(`${gateway.url}/api/sessions/silent/cancel`, { method: "POST" });
    await turnEnd("silent");
  });

  test("a model the user names is tried while it cools down: the message's model, /model, the proxy's model, a session pinned over the HTTP API", async () => {
    // home refuses with a rate limit (a cooldown), then could answer again; an answer ends the cooldown, so each path starts
    // cooling. Its listing fails meanwhile: the gateway's health checks, which clear a cooldown when it answers, leave it be.
    homeMode.listing = false;
    let round = 0;
    const coolHome = async (): Promise<void> => {
      homeMode.current = "rate-limited";
      const session = `cooling-${++round}`;
      await post(session, { text: "sets home cooling" });
      assert.equal((await turnEnd(session)).model, "other/m", "the fallback answered");
      homeMode.current = "answer";
      const status = (await (await fetch(`${gateway.url}/api/status`)).json()) as { providers: { provider: string; state: string }[] };
      assert.equal(status.providers.find((provider) => provider.provider === "home")?.state, "cooling");
      await post(session, { text: "unnamed while cooling" });
      assert.equal((await turnEnd(session)).model, "other/m", "unnamed, the cooling model is skipped");
    };

    await coolHome();
    await post("named", { text: "named in the message", model: "Home" });
    assert.equal((await turnEnd("named")).model, "home/m");

    await post("pinned", { text: "/model Home" });
    assert.match(await commandResult("pinned"), /home\/m/);
    await coolHome();
    await post("pinned", { text: "pinned with /model" });
    assert.equal((await turnEnd("pinned")).model, "home/m");

    await coolHome();
    const overHttp = await completion("pinned", "pinned, over the HTTP API");
    assert.equal(((await overHttp.json()) as { model: string }).model, "home/m");

    await coolHome();
    const proxied = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "home/m", messages: [{ role: "user", content: "proxy, named" }] }),
    });
    assert.equal(((await proxied.json()) as { model: string }).model, "home/m");
    homeMode.listing = true;
  });

  test("the gateway's health check ends a stall's cooldown once the model answers again: the next unnamed message goes to the primary", async () => {
    // home takes the request and says nothing (7 s, its timeoutSeconds): a stall, which its listing cannot end (a hung
    // server lists its models); the health check asks it for a tiny answer, which it gives: home is up again.
    await post("probed", { text: "STALL-home: home says nothing" });
    const ended = await turnEnd("probed");
    assert.equal(ended.model, "other/m");
    type Status = { providers: { provider: string; state: string; coolingUntil?: string }[] };
    const homeState = async () => ((await (await fetch(`${gateway.url}/api/status`)).json()) as Status).providers.find((provider) => provider.provider === "home");
    const cooling = await homeState();
    assert.ok(cooling?.state === "cooling" || cooling?.state === "up", JSON.stringify(cooling));
    if (cooling.state === "cooling") assert.ok(Date.parse(cooling.coolingUntil ?? "") - Date.now() > 60_000, "a stall cools for minutes: only a probe ends it within this test");
    // The health check may bring home back before the fallback's answer ends the turn, or between two publications of
    // the providers' health (every 2 s: then no event says it cooled): what the gateway says now is asked until it is up.
    let state = cooling.state;
    // The health check asks every 5 s: a minute is a dozen chances.
    for (const until = Date.now() + 60_000; state !== "up" && Date.now() < until; state = (await homeState())?.state ?? "gone") await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(state, "up", "the health check's tiny request brought home back within a minute");
    const asked = calls(home).filter((request) => sentText(request).includes("Reply with the single word"));
    assert.equal(asked.length, 1, "one tiny request asked it");
    await post("probed", { text: "unnamed after the probe" });
    assert.equal((await turnEnd("probed")).model, "home/m");
  });
});

describe("the real gateway sends nothing to a model that lacks its key", { timeout: 60_000 }, () => {
  const temp = tempDir();
  test("a built-in hosted provider without a key (a stand-in on this machine): no turn, no proxy call, no setup check, no probe reaches it", async () => {
    const standIn = await startFakeServer(() => ({ kind: "json", status: 401, body: { error: { message: "no key" } } }));
    const local = await startFakeServer(modelServer("local", { current: "answer", listing: true }));
    const file = temp.write(
      "keyless.json5",
      `{
        agents: { defaults: { model: { primary: "anthropic/claude-opus-4-5", fallbacks: ["local/m"] }, models: { "anthropic/claude-opus-4-5": { alias: "Opus" } } } },
        models: { mode: "merge", providers: {
          anthropic: { baseUrl: "${standIn.url}" },
          local: { baseUrl: "${local.baseUrl}", api: "openai-completions", models: [{ id: "m", contextWindow: 32768, maxTokens: 1024 }] },
        } },
      }`,
    );
    const env = { HEARTH_STATE_DIR: join(temp.dir, "state"), ANTHROPIC_API_KEY: "" };
    const gateway = await startGateway(["--config", file], env);
    try {
      const events = await openSse(`${gateway.url}/api/events`);
      const response = await fetch(`${gateway.url}/api/sessions/keyless/messages`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ text: "hello" }) });
      assert.equal(response.status, 202);
      const ended = eventData<{ result: { model: string; notice?: string; attempts: { model: string; outcome: string }[] } }>(await events.next((message) => message.event === "turn-end")).result;
      events.close();
      assert.deepEqual(ended.attempts.map((attempt) => `${attempt.model} ${attempt.outcome}`), ["anthropic/claude-opus-4-5 skipped-no-key", "local/m ok"]);
      assert.equal(ended.notice, "answered by local/m — Opus (hosted) skipped: no API key", "named: the key is its provider's");
      const proxied = await fetch(`${gateway.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "Opus", messages: [{ role: "user", content: "hi" }] }) });
      assert.equal(((await proxied.json()) as { model: string }).model, "local/m");
      assert.equal(decodeURIComponent(proxied.headers.get("x-hearth-notice") ?? ""), "answered by local/m — Opus (hosted) skipped: no API key", "the model the client named is said, as an agent's fallback is");
      const status = (await (await fetch(`${gateway.url}/api/status`)).json()) as { setup: string[] };
      assert.deepEqual(status.setup, [], "the local fallback answers: nothing to set up");
    } finally {
      await gateway.stop();
    }
    const probe = await runCli(["models", "status", "--probe", "--config", file], { env });
    assert.match(probe.stdout, /no API key for anthropic/);
    assert.deepEqual(standIn.requests.map((request) => `${request.method} ${request.path}`), [], "nothing reached the stand-in");
    await standIn.close();
    await local.close();
    temp.cleanup();
  });
});

describe("the real gateway shows the window the server really has", { timeout: 60_000 }, () => {
  const temp = tempDir();
  test("LM Studio loaded the model with 4,096 of a configured 196,608: the page's context and /status say 4,096", async () => {
    const studio = await startLmStudio({
      models: [{ id: "m", loaded: true, loadedContextLength: 4096, maxContextLength: 196608 }],
      completions: scriptedModel("openai-completions", (turns) => ({ text: `studio: ${lastUser(turns)}` })),
    });
    const file = temp.write(
      "window.json5",
      `{ agents: { defaults: { model: { primary: "lmstudio/m" } } },
         models: { mode: "replace", providers: { lmstudio: { baseUrl: "${studio.baseUrl}", api: "openai-completions", models: [{ id: "m", contextWindow: 196608, maxTokens: 1024 }] } } } }`,
    );
    const gateway = await startGateway(["--config", file], { HEARTH_STATE_DIR: join(temp.dir, "state") });
    try {
      const events = await openSse(`${gateway.url}/api/events`);
      const send = (text: string) => fetch(`${gateway.url}/api/sessions/window/messages`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ text }) });
      await send("hello");
      await events.next((message) => message.event === "turn-end");
      const view = (await (await fetch(`${gateway.url}/api/sessions/window`)).json()) as { context: { window: number } };
      assert.equal(view.context.window, 4096);
      await send("/status");
      assert.match(eventData<{ text: string }>(await events.next((message) => message.event === "command-result")).text, /\d+ \/ [\d,]+ tokens the prompt may use \(window 4,096 tokens/);
      events.close();
    } finally {
      await gateway.stop();
      await studio.close();
      temp.cleanup();
    }
  });
});
