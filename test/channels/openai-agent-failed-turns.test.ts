// What an agent turn that got no answer tells the client (t7-agent #1): each model tried and why it
// failed, and never a model as "the one answering" that was not — not the fallback called last, not a
// model of a step that never spoke. Through the gateway, with the official `openai` SDK as the client.
import assert from "node:assert/strict";
import { afterEach, describe, test } from "node:test";
import OpenAI from "openai";
import type { ResponseStreamEvent } from "openai/resources/responses/responses";
import type { Reply } from "../fakes/fake-server.js";
import { lmStudioHandler } from "../fakes/lmstudio-server.js";
import { WORDS_AROUND_A_TOOL, wordsAroundATool } from "../helpers/words-around-a-tool.js";
import { apiSetup, type ApiSetup } from "./openai-setup.js";

const down = (): Reply => ({ kind: "json", status: 503, body: { error: { message: "down" } } });
const CAUSES = /^no model could answer: local\/m1: overloaded — POST \/v1\/chat\/completions answered 503: down; backup\/m2: overloaded — POST \/v1\/responses answered 503: down$/;

async function responseEvents(client: OpenAI, input: string, onEvent: (event: ResponseStreamEvent) => void = () => undefined): Promise<ResponseStreamEvent[]> {
  const events: ResponseStreamEvent[] = [];
  for await (const event of await client.responses.create({ model: "hearth", input, stream: true })) {
    events.push(event);
    onEvent(event);
  }
  return events;
}

describe("agent mode: a turn no model answered names what was tried and why, and no model as answering", () => {
  let api: ApiSetup | undefined;
  afterEach(async () => {
    await api?.close();
    api = undefined;
  });

  test("a whole reply: a 503 listing each model with its cause, naming none as the model (the log line, for the operator, the last one called)", async () => {
    api = await apiSetup();
    api.local.setHandler(down);
    api.backup.setHandler(down);
    await assert.rejects(api.client.chat.completions.create({ model: "hearth", messages: [{ role: "user", content: "anyone?" }] }), (error: unknown) => {
      assert.ok(error instanceof OpenAI.APIError, String(error));
      assert.equal(error.status, 503);
      const body = error.error as Record<string, unknown> & { message: string; code: string; attempts: { model: string; outcome: string; cause?: string }[] };
      assert.equal(body.code, "no_model_available");
      assert.match(body.message, CAUSES);
      assert.deepEqual(body.attempts.map((attempt) => [attempt.model, attempt.outcome, attempt.cause]), [
        ["local/m1", "overloaded", "POST /v1/chat/completions answered 503: down"],
        ["backup/m2", "overloaded", "POST /v1/responses answered 503: down"],
      ]);
      assert.equal("model" in body, false);
      assert.equal(error.headers?.get("x-hearth-model") ?? null, null);
      return true;
    });
    const line = await api.waitForLog((fields) => fields.answer === 503);
    assert.equal(line.model, "backup/m2", "the log line names the last model called, as a proxied request's does");
  });

  test("a stream that began before the chain was through: response.failed keeps the name asked for, not the fallback called last", async () => {
    api = await apiSetup({ headersWaitMs: 1 });
    api.local.setHandler(down);
    // The fallback answers once the client holds the stream's first event: the stream has begun, deterministically.
    let begun: () => void = () => undefined;
    const streamBegun = new Promise<void>((resolve) => (begun = resolve));
    api.backup.setHandler(async (request) => {
      if (request.method === "POST") await streamBegun;
      return down();
    });
    const events = await responseEvents(api.client, "anyone?", (event) => {
      if (event.type === "response.created") begun();
    });
    const failed = events.at(-1);
    assert.ok(failed?.type === "response.failed", String(failed?.type));
    assert.equal(failed.response.model, "hearth");
    assert.equal(failed.response.metadata?.hearth_model, undefined);
    assert.equal(failed.response.metadata?.hearth_error_code, "no_model_available");
    assert.match(failed.response.error?.message ?? "", CAUSES);
  });

  test("a turn that ran a tool, then found no model for its next step: no model available (not an answer broken mid-way), the response keeps the model whose words were shown", async () => {
    for (const endpoint of ["responses", "chat"] as const) {
      api = await apiSetup();
      let posts = 0;
      // The first step writes words and calls a tool; for the next step every model of the chain is down.
      api.local.setHandler((request) => (request.method === "POST" && ++posts === 1 ? wordsAroundATool(request) : down()));
      api.backup.setHandler(down);
      if (endpoint === "responses") {
        const events = await responseEvents(api.client, "what time is it?");
        const shown = events.flatMap((event) => (event.type === "response.output_text.delta" ? [event.delta] : [])).join("");
        assert.equal(shown, WORDS_AROUND_A_TOOL.split("\n\n")[0]);
        const failed = events.at(-1);
        assert.ok(failed?.type === "response.failed", String(failed?.type));
        assert.equal(failed.response.metadata?.hearth_error_code, "no_model_available");
        assert.equal(failed.response.model, "local/m1", "the words shown were local/m1's");
        assert.equal(failed.response.metadata?.hearth_model, undefined, "no model was answering when it failed");
        assert.match(failed.response.error?.message ?? "", CAUSES, "the chain was tried: no word of a stream that could not restart");
      } else {
        const stream = await api.client.chat.completions.create({ model: "hearth", messages: [{ role: "user", content: "what time is it?" }], stream: true });
        await assert.rejects(
          (async () => {
            for await (const chunk of stream) void chunk;
          })(),
          (error: unknown) => {
            assert.ok(error instanceof OpenAI.APIError, String(error));
            const body = error.error as { code?: string; message?: string };
            assert.equal(body.code, "no_model_available");
            assert.match(body.message ?? "", CAUSES);
            return true;
          },
        );
      }
      const line = await api.waitForLog((fields) => fields.answer !== undefined);
      assert.equal(line.answer, 503, endpoint);
      await api.close();
      api = undefined;
    }
  });

  test("a model left loading, then waited for, in a failed turn: its first attempt says what happened, not that the next model answers", async () => {
    api = await apiSetup({ localExtras: 'onColdLoad: "fallback",' });
    api.local.setHandler(lmStudioHandler({ models: [{ id: "m1", loaded: false, maxContextLength: 32000 }], completions: down }));
    api.backup.setHandler(down);
    await assert.rejects(api.client.chat.completions.create({ model: "hearth", messages: [{ role: "user", content: "anyone?" }] }), (error: unknown) => {
      assert.ok(error instanceof OpenAI.APIError, String(error));
      assert.equal(error.status, 503);
      const body = error.error as { message: string; attempts: { model: string; outcome: string; cause?: string }[] };
      assert.deepEqual(body.attempts.map((attempt) => `${attempt.model} ${attempt.outcome}`), ["local/m1 cold-loading", "backup/m2 overloaded", "local/m1 overloaded"]);
      const loading = "its local server was loading it (the load goes on): not waited for, the next model was asked meanwhile";
      assert.equal(body.attempts[0]?.cause, loading);
      assert.ok(body.message.startsWith(`no model could answer: local/m1: cold-loading — ${loading}; backup/m2: overloaded — `), body.message);
      assert.doesNotMatch(body.message, /answers meanwhile/);
      return true;
    });
  });
});
