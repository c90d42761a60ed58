import { Hono, type Context } from "hono";
import type { GatewayPort } from "../../../gateway/port.js";
import { agentAnswer } from "./agent-answer.js";
import { refuseClientSetup } from "./agent-refusals.js";
import { agentSession } from "./agent-session.js";
import type { AnswerSource } from "./answer-events.js";
import { failedOutcome, failureResponse, settle, streamAnswer, type AnswerOutcome } from "./answer-stream.js";
import { chatContext, lastChatUserMessage, parseChatRequest } from "./chat-request.js";
import { chatCompletion } from "./chat-writer.js";
import { attemptCauses } from "./failure-status.js";
import { lmStudioListing, loadModel, type RunningLoads } from "./lmstudio-native.js";
import { modelList } from "./model-list.js";
import { proxyAnswer } from "./proxy-answer.js";
import { chatUsage, noticeHeader, replyHeaders, responsesUsage } from "./reply-meta.js";
import { jsonToNode } from "../json-to-node.js";
import { noteRequest, oweOutcome } from "../request-log.js";
import { problemBody, RequestProblem } from "./request-problem.js";
import { refuseForAgent } from "./request-fields.js";
import { lastResponsesUserMessage, parseResponsesRequest, responsesContext } from "./responses-request.js";
import { ResponseBuilder } from "./responses-writer.js";
import { chatSseWriter, responsesSseWriter } from "./sse-writers.js";
import { ignoredNotice } from "./request-fields.js";
import { resolveTarget, type Target } from "./target.js";
import type { StopSwitch } from "../../../gateway/stop-switch.js";
import { requestController } from "./request-controller.js";

/** The structured log lines this sub-app writes (pino's Logger and the server core's HttpLogger fit). */

/** Read by the openai and anthropic SDKs before their own retry rules (docs/openai-api.md). */
const NO_RETRY = { "x-should-retry": "false" };
export interface OpenAiLogger {
  info(fields: object, message?: string): void;
  warn(fields: object, message?: string): void;
}

export interface OpenAiRoutesOptions {
  port: GatewayPort;
  logger: OpenAiLogger;
  /** How long `POST /api/v1/models/load` waits for a local model before answering "loading" (default 30 s). */
  loadWaitMs?: number | undefined;
  /** The gateway's stop: a proxied answer still running when the drain is over is cut off with an error saying so; absent: never. */
  stop?: StopSwitch | undefined;
  /** How long a stream's headers wait for the first token before the stream starts anyway (default 20 s). */
  headersWaitMs?: number | undefined;
  /** A `: keep-alive` comment on a stream after this long without a write (default 15 s). */
  keepAliveMs?: number | undefined;
}

const KEEP_ALIVE_MS = 15_000;
/** A cause in the log line is cut here: enough for any server's reason, too little for a request it quotes back. */
const LOGGED_CAUSE_CHARS = 240;

/**
 * hearth as an OpenAI-compatible server: `/v1/models`, `/v1/chat/completions`, `/v1/responses`, and
 * LM Studio's native `/api/v1/models` and `/api/v1/models/load`. `model` chooses the mode: an agent
 * ("hearth", "hearth/<id>") runs a turn of hearth's own assistant; a model ref or alias proxies the
 * client's conversation through the failover chain. Mounted by the server core with `app.route("/", …)`.
 */
export function openAiRoutes(options: OpenAiRoutesOptions): Hono {
  const { port, logger } = options;
  const created = Math.floor(Date.now() / 1000);
  const waits = { headersWaitMs: options.headersWaitMs ?? 20_000, keepAliveMs: options.keepAliveMs ?? KEEP_ALIVE_MS };
  const app = new Hono();

  // A request hearth refused (its shape, an unknown model) or could not serve is not sent again by an SDK: the same request fails the same way.
  app.onError((error, c) => {
    if (error instanceof RequestProblem) return c.json(problemBody(error), error.status as 400, NO_RETRY);
    logger.warn({ path: c.req.path, error: error.message }, "openai-compatible request failed");
    return c.json({ error: { message: `hearth could not serve this request: ${error.message}`, type: "server_error", param: null, code: "internal_error" } }, 500, NO_RETRY);
  });

  app.get("/v1/models", (c) => c.json(modelList(port.catalogue(), created)));
  app.get("/v1/models/:model{.+}", (c) => {
    const name = c.req.param("model");
    const found = modelList(port.catalogue(), created).data.find((model) => model.id === name);
    if (!found) resolveTarget(name, port.catalogue());
    return c.json(found ?? { id: name, object: "model", created, owned_by: "hearth" });
  });
  app.get("/api/v1/models", (c) => c.json(lmStudioListing(port)));
  // One warm-up per model at a time: concurrent loads of it wait for the running one's answer.
  const runningLoads: RunningLoads = new Map();
  app.post("/api/v1/models/load", async (c) => {
    const outcome = await loadModel({ port, body: await jsonBody(c), waitMs: options.loadWaitMs ?? 30_000, running: runningLoads });
    logger.info({ route: "lmstudio-load", status: outcome.status, state: outcome.body.status }, "model load");
    return c.json(outcome.body, outcome.status as 200);
  });

  app.post("/v1/chat/completions", async (c) => {
    noteRequest(c, { route: "chat" });
    const request = parseChatRequest(await jsonBody(c));
    noteRequest(c, { requested: request.model, stream: request.stream });
    const target = resolveTarget(request.model, port.catalogue());
    const controller = requestController(c, target.mode === "proxy" ? options.stop : undefined);
    const canRestart = !request.stream;
    if (target.mode === "agent") {
      refuseForAgent(request.options);
      refuseClientSetup({ tools: request.tools.length, items: { field: "messages", list: request.messages } });
    }
    const source: AnswerSource =
      target.mode === "agent"
        ? agentAnswer(port, { notes: requestNotes(request), agent: target.agent, label: target.label, session: sessionOf(c, request.user), ...lastChatUserMessage(request.messages), canRestart, maxTokens: request.options.maxTokens, maxTokensField: request.maxTokensField, repeated: resent(c), signal: controller.signal, stop: options.stop })
        : proxyAnswer(port, { notes: requestNotes(request), model: target.ref, context: chatContext(request, { model: target.ref, api: target.api }), options: request.options, maxTokensField: request.maxTokensField, stickyKey: stickyKey(c, request.user), canRestart, controller });
    const showReasoning = target.mode === "proxy";
    const done = requestLog(c, { route: "chat", mode: target.mode, requested: request.model, stream: request.stream });
    if (request.stream) {
      return streamAnswer({ c, source, controller, ...waits, onDone: done, onError: streamFailed(logger, c.req.path), writer: chatSseWriter({ model: request.model, includeUsage: request.includeUsage, showReasoning }), usageShape: chatUsage });
    }
    const settled = await settle(source);
    if (!settled.ok) {
      done(failedOutcome(settled.failure, source));
      return failureResponse(c, { failure: settled.failure, usageShape: chatUsage });
    }
    done({ status: 200, model: settled.answer.model, attempts: settled.answer.attempts });
    const headers = { ...replyHeaders(settled.answer), ...noticeHeader(settled.answer.notice) };
    const body = chatCompletion(settled.answer, { showReasoning });
    // Proxy mode set no header through Hono: its answer goes straight to Node (agent mode's names its session).
    return target.mode === "proxy" ? jsonToNode(c, { body, status: 200, headers }) : c.json(body, 200, headers);
  });

  app.post("/v1/responses", async (c) => {
    noteRequest(c, { route: "responses" });
    const request = parseResponsesRequest(await jsonBody(c));
    noteRequest(c, { requested: request.model, stream: request.stream });
    const target = resolveTarget(request.model, port.catalogue());
    const controller = requestController(c, target.mode === "proxy" ? options.stop : undefined);
    const canRestart = !request.stream;
    if (target.mode === "agent") {
      refuseForAgent(request.options);
      refuseClientSetup({ tools: request.tools.length, instructions: request.instructions, items: { field: "input", list: request.input } });
    }
    const source: AnswerSource =
      target.mode === "agent"
        ? agentAnswer(port, { notes: requestNotes(request), agent: target.agent, label: target.label, session: sessionOf(c, request.user), ...lastResponsesUserMessage(request), canRestart, maxTokens: request.options.maxTokens, maxTokensField: request.maxTokensField, repeated: resent(c), signal: controller.signal, stop: options.stop })
        : proxyAnswer(port, { notes: requestNotes(request), model: target.ref, context: responsesContext(request, { model: target.ref, api: target.api }), options: request.options, maxTokensField: request.maxTokensField, stickyKey: stickyKey(c, request.user), canRestart, controller });
    const builder = new ResponseBuilder({
      model: request.model,
      showReasoning: showResponsesReasoning(target, request.reasoningAsked),
      metadata: request.metadata,
      instructions: request.instructions,
      maxOutputTokens: request.options.maxTokens,
      user: request.user,
    });
    const done = requestLog(c, { route: "responses", mode: target.mode, requested: request.model, stream: request.stream });
    if (request.stream) return streamAnswer({ c, source, controller, ...waits, onDone: done, onError: streamFailed(logger, c.req.path), writer: responsesSseWriter(builder), usageShape: responsesUsage });
    const settled = await settle(source);
    if (!settled.ok) {
      done(failedOutcome(settled.failure, source));
      return failureResponse(c, { failure: settled.failure, usageShape: responsesUsage });
    }
    done({ status: 200, model: settled.answer.model, attempts: settled.answer.attempts });
    builder.reasoning(settled.answer.reasoning);
    builder.text(settled.answer.text);
    for (const call of settled.answer.toolCalls) builder.toolCall(call);
    const headers = { ...replyHeaders(settled.answer), ...noticeHeader(settled.answer.notice) };
    const body = builder.finish(settled.answer).response;
    return target.mode === "proxy" ? jsonToNode(c, { body, status: 200, headers }) : c.json(body, 200, headers);
  });

  return app;
}

/**
 * Agent mode's session (see agentSession), also named in the reply's `x-hearth-session` header —
 * on success, failure and streams alike — so a client that sent neither header nor `user`, and so
 * shares `http` with every other such client, can see that it does.
 */
function sessionOf(c: Context, user: string | undefined): string {
  const session = agentSession(c.req.header("x-hearth-session"), user);
  c.header("x-hearth-session", session);
  return session;
}

/** What the reply says of the request itself: the fields it had that hearth does not know (not sent on). */
function requestNotes(request: { unknownFields: readonly string[] }): string[] {
  const ignored = ignoredNotice(request.unknownFields);
  return ignored === undefined ? [] : [ignored];
}

/** Proxy mode passes reasoning on as the upstream gave it; an agent's reasoning only when the client asks. */
function showResponsesReasoning(target: Target, asked: boolean): boolean {
  return target.mode === "proxy" || asked;
}

async function jsonBody(c: Context): Promise<unknown> {
  const text = await c.req.text();
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new RequestProblem({ status: 400, message: `the body is not valid JSON (${error instanceof Error ? error.message : String(error)}); send Content-Type: application/json with a JSON object`, code: "invalid_json" });
  }
}

/**
 * The client's own resend of a request: the openai and anthropic SDKs count their tries in
 * `x-stainless-retry-count` (0 the first). Failures say `x-should-retry: false`, so an SDK resends only
 * a request whose answer never reached it (a timeout, a dropped connection).
 */
function resent(c: Context): boolean {
  const count = Number(c.req.header("x-stainless-retry-count") ?? "0");
  return Number.isInteger(count) && count > 0;
}

/** Keeps one client on one replica (the server's prompt cache): the session header, else `user`. */
function stickyKey(c: Context, user: string | undefined): string | undefined {
  return c.req.header("x-hearth-session") ?? user;
}

/** A stream that broke in the gateway itself: logged like a failed request (the client's stream just ends). */
function streamFailed(logger: OpenAiLogger, path: string) {
  return (error: unknown): void => logger.warn({ path, error: error instanceof Error ? error.message : String(error) }, "openai-compatible stream failed");
}

/**
 * What the request's log line says of the answer (the line itself is the server core's, one per
 * request): how it ended, the model, how many attempts, and — when any failed — each one's model and
 * cause (`failed`), as `hearth agent` shows them.
 */
function requestLog(c: Context, fields: { route: string; mode: string; requested: string; stream: boolean }) {
  noteRequest(c, fields);
  const settle = oweOutcome(c);
  return (outcome: AnswerOutcome): void => {
    const failed = attemptCauses(outcome.attempts, LOGGED_CAUSE_CHARS);
    settle({ answer: outcome.status, model: outcome.model, attempts: outcome.attempts.length, ...(failed === "" ? {} : { failed }) });
  };
}

