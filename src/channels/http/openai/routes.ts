import { Hono, type Context } from "hono";
import type { GatewayPort } from "../../../gateway/port.js";
import { agentAnswer } from "./agent-answer.js";
import { refuseClientSetup, refuseFormatForAgent, type ClientSetup } from "./agent-refusals.js";
import { chatAgentRequest, responsesAgentRequest } from "./agent-request.js";
import type { CallOptions } from "../../../ai/types.js";
import { agentSession } from "./agent-session.js";
import { FAULT_WORDS, type AnswerSource } from "./answer-events.js";
import { failedOutcome, failureResponse, streamAnswer, whenSettled, type AnswerOutcome } from "./answer-stream.js";
import { chatContext, parseChatRequest, type ChatRequest } from "./chat-request.js";
import { chatCompletion } from "./chat-writer.js";
import { attemptCauses, repliesOf } from "../../../models/attempt-causes.js";
import { lmStudioListing, lmStudioV0Listing, loadModel, lookListed, type RunningLoads } from "./lmstudio-native.js";
import { unloadModel } from "./lmstudio-unload.js";
import { modelEntry, modelList } from "./model-list.js";
import { proxyAnswer } from "./proxy-answer.js";
import { chatUsage, noticeHeader, replyHeaders, responsesUsage } from "./reply-meta.js";
import { jsonToNode } from "../json-to-node.js";
import { noteRequest, oweOutcome } from "../request-log.js";
import { isObject, problemBody, RequestProblem } from "./request-problem.js";
import { refuseForAgent } from "./request-fields.js";
import { parseResponsesRequest, responsesContext, type ResponsesRequest } from "./responses-request.js";
import { ResponseBuilder } from "./responses-writer.js";
import { chatSseWriter, responsesSseWriter } from "./sse-writers.js";
import { proxyNotes } from "./request-notes.js";
import { namesAgent, resolveTarget, type Target } from "./target.js";
import type { StopSwitch } from "../../../gateway/stop-switch.js";
import { requestController } from "./request-controller.js";
import type { FrontRoute } from "../proxy-front.js";

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
 * LM Studio's native `/api/v1/models`, `/api/v1/models/load` and `/unload`, `/api/v0/models` and
 * `/api/v0/chat/completions`. `model` chooses the mode: an agent
 * ("hearth", "hearth/<id>") runs a turn of hearth's own assistant; a model ref or alias proxies the
 * client's conversation through the failover chain. Mounted by the server core with `app.route("/", …)`.
 */
export function openAiRoutes(options: OpenAiRoutesOptions): Hono {
  const { port, logger } = options;
  const created = Math.floor(Date.now() / 1000);
  const waits = { headersWaitMs: options.headersWaitMs ?? 20_000, keepAliveMs: options.keepAliveMs ?? KEEP_ALIVE_MS };
  const app = new Hono();
  const answers = { port, logger, stop: options.stop, waits };

  app.onError(failedRequest(logger, { straight: false }));

  app.get("/v1/models", (c) => c.json(modelList(port.catalogue(), created)));
  app.get("/v1/models/:model{.+}", (c) => c.json(modelEntry(c.req.param("model"), port.catalogue(), created)));
  // What each local model's server has loaded is asked first where only a look says it (Ollama's /api/ps).
  app.get("/api/v1/models", async (c) => {
    await lookListed(port);
    return c.json(lmStudioListing(port));
  });
  app.get("/api/v0/models", async (c) => {
    await lookListed(port);
    return c.json(lmStudioV0Listing(port));
  });
  app.get("/api/v0/models/:model{.+}", async (c) => {
    // An alias or another spelling is the entry of what it names; a name hearth does not serve, the same 404 as a request naming it.
    const target = resolveTarget(c.req.param("model"), port.catalogue());
    await lookListed(port);
    const key = target.mode === "agent" ? target.label : target.ref;
    const listing = lmStudioV0Listing(port).data;
    const window = target.mode === "proxy" ? port.catalogue().models.find((model) => model.ref === target.ref)?.spec.contextWindow : undefined;
    // A model the listing leaves out (a hosted catalog's, not in the config) is still one a request may name.
    return c.json(listing.find((model) => model.id === key) ?? { id: key, object: "model", type: "llm", publisher: key.split("/")[0], arch: null, compatibility_type: null, quantization: null, state: "loaded", max_context_length: window ?? null });
  });
  // One warm-up per model at a time: concurrent loads of it wait for the running one's answer.
  const runningLoads: RunningLoads = new Map();
  app.post("/api/v1/models/load", async (c) => {
    const outcome = await loadModel({ port, body: await jsonBody(c), waitMs: options.loadWaitMs ?? 30_000, running: runningLoads });
    logger.info({ route: "lmstudio-load", status: outcome.status, state: outcome.body.status }, "model load");
    return c.json(outcome.body, outcome.status as 200);
  });
  app.post("/api/v1/models/unload", async (c) => c.json(unloadModel({ port, body: await jsonBody(c) }).body));

  // LM Studio 0.3's chat endpoint takes and answers OpenAI's Chat Completions shapes (its extra `stats` aside): the same route.
  app.post("/api/v0/chat/completions", async (c) => chatRoute(c, answers));
  app.post("/v1/chat/completions", async (c) => chatRoute(c, answers));
  app.post("/v1/responses", async (c) => {
    noteRequest(c, { route: "responses" });
    const body = await jsonBody(c);
    const request = parseResponsesRequest(body, { agent: namesAgent(isObject(body) ? body.model : undefined, port.catalogue()) });
    noteRequest(c, { requested: request.model, stream: request.stream });
    return responsesAnswer(c, { request, target: resolveTarget(request.model, port.catalogue()), ...answers });
  });

  return app;
}

/** `POST /v1/chat/completions` (and LM Studio's `/api/v0/chat/completions`): the body read, parsed and answered. */
async function chatRoute(c: Context, answers: Answering): Promise<Response> {
  noteRequest(c, { route: "chat" });
  const body = await jsonBody(c);
  const request = parseChatRequest(body, { agent: namesAgent(isObject(body) ? body.model : undefined, answers.port.catalogue()) });
  noteRequest(c, { requested: request.model, stream: request.stream });
  return chatAnswer(c, { request, target: resolveTarget(request.model, answers.port.catalogue()), ...answers });
}

/** What answering a parsed request takes: the gateway, the log, the stop, a stream's waits. */
interface Answering {
  port: GatewayPort;
  logger: OpenAiLogger;
  stop: StopSwitch | undefined;
  waits: { headersWaitMs: number; keepAliveMs: number };
}

/**
 * The proxy front's routes (see proxy-front.ts): a request's body taken here when it is a proxy-mode
 * request these routes would serve — parsed, its model known — answered by the same code as through
 * Hono; anything else (a body that does not parse, an agent, an unknown model) is left to Hono, which
 * says what is wrong exactly as it always does.
 */
export function openAiFront(options: OpenAiRoutesOptions): Map<string, FrontRoute> {
  const { port, logger } = options;
  const answers: Answering = { port, logger, stop: options.stop, waits: { headersWaitMs: options.headersWaitMs ?? 20_000, keepAliveMs: options.keepAliveMs ?? KEEP_ALIVE_MS } };
  const onError = failedRequest(logger, { straight: true });
  const proxied = <R extends { model: string; stream: boolean }>(route: string, parse: (body: unknown) => R, answer: (c: Context, call: Answering & { request: R; target: Target }) => Promise<Response>): FrontRoute => ({
    take: (body) => {
      let request: R;
      let target: Target;
      try {
        request = parse(body);
        target = resolveTarget(request.model, port.catalogue());
      } catch {
        return undefined;
      }
      if (target.mode !== "proxy") return undefined;
      return (c) => {
        noteRequest(c, { route });
        noteRequest(c, { requested: request.model, stream: request.stream });
        return answer(c, { request, target, ...answers });
      };
    },
    onError,
  });
  return new Map([
    ["/v1/chat/completions", proxied("chat", parseChatRequest, chatAnswer)],
    ["/v1/responses", proxied("responses", parseResponsesRequest, responsesAnswer)],
  ]);
}

/** A fault in hearth while an answer was under way: into the log, with its stack (the client is told FAULT_WORDS). */
function faultLogger(logger: OpenAiLogger, c: Context): (error: unknown) => void {
  return (error) => logger.warn({ path: c.req.path, err: error }, "openai-compatible request failed");
}

/** A request hearth refused (its shape, an unknown model) or could not serve is not sent again by an SDK: the same request fails the same way. */
function failedRequest(logger: OpenAiLogger, how: { straight: boolean }): (error: Error, c: Context) => Response {
  // Through Hono (c.json) where a route may have set a header of its own (agent mode's session); the front's proxied requests set none.
  const json = (c: Context, answer: { body: unknown; status: number; headers: Record<string, string> }): Response => (how.straight ? jsonToNode(c, answer) : c.json(answer.body, answer.status as 400, answer.headers));
  return (error, c) => {
    if (error instanceof RequestProblem) return json(c, { body: problemBody(error), status: error.status, headers: NO_RETRY });
    // A fault in hearth: what it was (the stack too) goes to the log alone; the client is told where to look.
    logger.warn({ path: c.req.path, err: error }, "openai-compatible request failed");
    return json(c, { body: { error: { message: `hearth could not serve this request: ${FAULT_WORDS}`, type: "server_error", param: null, code: "internal_error" } }, status: 500, headers: NO_RETRY });
  };
}

/**
 * What both endpoints do first: the request's controller (aborted when the client goes; proxy mode's by the
 * stop switch too), whether the answer goes straight to Node (proxy mode sets no header through Hono; agent
 * mode's name its session), whether a whole answer may restart, and agent mode's refusals of the client's own tools.
 */
function beginAnswer(c: Context, call: Pick<Answering, "stop"> & { request: { stream: boolean; options: CallOptions }; target: Target; setup: ClientSetup }): { straight: boolean; controller: AbortController; canRestart: boolean } {
  const straight = call.target.mode === "proxy";
  const controller = requestController(c, straight ? call.stop : undefined);
  if (call.target.mode === "agent") {
    // The client's tools first: a field that only means something with them (parallel_tool_calls: false) is not named before them.
    refuseClientSetup(call.setup);
    refuseFormatForAgent(call.request.options.responseFormat);
    refuseForAgent(call.request.options);
  }
  return { straight, controller, canRestart: !call.request.stream };
}

/** `POST /v1/chat/completions` once its body is parsed and its model resolved: an agent's turn or a proxied answer, whole or streamed. */
function chatAnswer(c: Context, call: Answering & { request: ChatRequest; target: Target }): Promise<Response> {
  const { request, target, port, logger, stop, waits } = call;
  const { straight, controller, canRestart } = beginAnswer(c, { ...call, setup: { tools: request.tools.length, toolChoice: request.toolChoiceSent, items: { field: "messages", list: request.messages } } });
  const source: AnswerSource =
    target.mode === "agent"
      ? agentAnswer(port, { ...chatAgentRequest(request), agent: target.agent, label: target.label, session: sessionOf(c, request.user), canRestart, maxTokens: request.options.maxTokens, maxTokensField: request.maxTokensField, repeated: resent(c), signal: controller.signal, stop: stop, onFault: faultLogger(logger, c) })
      : proxyAnswer(port, { notes: proxyNotes(request), model: target.ref, context: chatContext(request, { model: target.ref, api: target.api }), options: request.options, maxTokensField: request.maxTokensField, noLimitField: request.noLimitField, stickyKey: stickyKey(c, request.user), canRestart, controller, onFault: faultLogger(logger, c) });
  const showReasoning = straight;
  const done = requestLog(c, { route: "chat", mode: target.mode, requested: request.model, stream: request.stream });
  if (request.stream) {
    return streamAnswer({ c, source, controller, ...waits, onDone: done, straight, onError: streamFailed(logger, c.req.path), writer: chatSseWriter({ model: request.model, includeUsage: request.includeUsage, showReasoning }), usageShape: chatUsage });
  }
  // Answered as the last event comes; the log line's outcome is noted after the reply went out.
  return whenSettled(source, (settled) => {
    if (!settled.ok) {
      done(failedOutcome(settled.failure, source));
      return failureResponse(c, { failure: settled.failure, usageShape: chatUsage, straight });
    }
    const headers = { ...replyHeaders(settled.answer), ...noticeHeader(settled.answer.notice) };
    const body = chatCompletion(settled.answer, { showReasoning });
    // Proxy mode set no header through Hono: its answer goes straight to Node (agent mode's names its session).
    const response = straight ? jsonToNode(c, { body, status: 200, headers }) : c.json(body, 200, headers);
    done({ status: 200, model: settled.answer.model, attempts: settled.answer.attempts });
    return response;
  });
}

/** `POST /v1/responses` once its body is parsed and its model resolved. */
function responsesAnswer(c: Context, call: Answering & { request: ResponsesRequest; target: Target }): Promise<Response> {
  const { request, target, port, logger, stop, waits } = call;
  const { straight, controller, canRestart } = beginAnswer(c, { ...call, setup: { tools: request.tools.length, toolChoice: request.toolChoiceSent, instructions: request.instructions, items: { field: "input", list: request.input } } });
  const source: AnswerSource =
    target.mode === "agent"
      ? agentAnswer(port, { ...responsesAgentRequest(request), agent: target.agent, label: target.label, session: sessionOf(c, request.user), canRestart, maxTokens: request.options.maxTokens, maxTokensField: request.maxTokensField, repeated: resent(c), signal: controller.signal, stop: stop, onFault: faultLogger(logger, c) })
      : proxyAnswer(port, { notes: proxyNotes(request), model: target.ref, context: responsesContext(request, { model: target.ref, api: target.api }), options: request.options, maxTokensField: request.maxTokensField, noLimitField: request.noLimitField, stickyKey: stickyKey(c, request.user), canRestart, controller, onFault: faultLogger(logger, c) });
  const builder = new ResponseBuilder({
    model: request.model,
    showReasoning: showResponsesReasoning(target, request.reasoningAsked),
    encryptedReasoning: request.encryptedReasoning,
    metadata: request.metadata,
    instructions: request.instructions,
    maxOutputTokens: request.options.maxTokens,
    user: request.user,
    tools: request.tools,
    echo: request.echo,
  });
  const done = requestLog(c, { route: "responses", mode: target.mode, requested: request.model, stream: request.stream });
  if (request.stream) return streamAnswer({ c, source, controller, ...waits, onDone: done, straight, onError: streamFailed(logger, c.req.path), writer: responsesSseWriter(builder), usageShape: responsesUsage });
  return whenSettled(source, (settled) => {
    if (!settled.ok) {
      done(failedOutcome(settled.failure, source));
      return failureResponse(c, { failure: settled.failure, usageShape: responsesUsage, straight });
    }
    // As a stream gives them: each part's text, then what its provider signed of it (the same part's item carries it).
    (settled.answer.reasoningParts ?? [{ text: settled.answer.reasoning }]).forEach((part, index) => {
      builder.reasoning(part.text, part.summary === true);
      if (part.signed) builder.signed(index, part.signed);
    });
    builder.text(settled.answer.text);
    for (const call of settled.answer.toolCalls) builder.toolCall(call);
    const headers = { ...replyHeaders(settled.answer), ...noticeHeader(settled.answer.notice) };
    const body = builder.finish(settled.answer).response;
    const response = straight ? jsonToNode(c, { body, status: 200, headers }) : c.json(body, 200, headers);
    done({ status: 200, model: settled.answer.model, attempts: settled.answer.attempts });
    return response;
  });
}

/**
 * Agent mode's session (see agentSession), also named in the reply's `x-hearth-session` header —
 * on success, failure and streams alike — so a client that sent neither header nor `user`, and so
 * shares `http` with every other such client, can see that it does — and in the request's log line
 * (the turn's own line names it too).
 */
function sessionOf(c: Context, user: string | undefined): string {
  const session = agentSession(c.req.header("x-hearth-session"), user);
  c.header("x-hearth-session", session);
  noteRequest(c, { session });
  return session;
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
 * request): how it ended, the model, how many model replies the answer is made of (`replies`: one per
 * step of an agent's tool turn, so a two-step turn's 2 is no failure), and — when any attempt did not
 * answer — each one's model, outcome and cause (`failed`), as `hearth agent` shows them.
 */
function requestLog(c: Context, fields: { route: string; mode: string; requested: string; stream: boolean }) {
  noteRequest(c, fields);
  const settle = oweOutcome(c);
  return (outcome: AnswerOutcome): void => {
    const failed = attemptCauses(outcome.attempts, LOGGED_CAUSE_CHARS);
    settle({ answer: outcome.status, model: outcome.model, replies: repliesOf(outcome.attempts), ...(failed === "" ? {} : { failed }) });
  };
}

