// SSE frames of an OpenAI Responses API stream (POST /v1/responses, stream: true), as api.openai.com
// and LM Studio (0.3.29+, 0.4.x) emit them.
//
// Sources the shapes are based on:
// - openai-node 6.49 type definitions (node_modules/openai/resources/responses/responses.d.ts):
//   every event's fields (ResponseTextDeltaEvent, ResponseReasoningTextDeltaEvent,
//   ResponseFunctionCallArgumentsDoneEvent, ResponseUsage, ResponseErrorEvent, ...).
// - A real api.openai.com capture (pydantic/pydantic-ai tests/models/cassettes/test_openai_responses/
//   test_gpt5_freeform_text_streaming.yaml): `event: <type>` + `data:` framing, `type` then
//   `sequence_number` first in each object, the full Response object in created/in_progress/completed,
//   usage only in response.completed, no `data: [DONE]` at the end; every output_text delta (and the
//   custom tool's input delta) ends with an `obfuscation` string, as long as 16 characters minus the
//   delta's (replayed in test/ai/captures-replay.test.ts). The same field ends the
//   reasoning_summary_text deltas (test_openai_responses_thinking_part_iter.yaml) and the
//   function_call_arguments deltas (test_openai_responses_phase_streamed_on_part_start.yaml) of other
//   pydantic-ai cassettes.
// - OpenAI's reasoning-summary event reference (response.reasoning_summary_part.added/.done,
//   response.reasoning_summary_text.delta/.done with summary_index).
// - Real LM Studio captures (vercel/ai packages/open-responses/src/responses/__fixtures__/
//   lmstudio-basic.1.chunks.txt, lmstudio-tool-call.1.chunks.txt, LM Studio 0.4, Jan 2026): reasoning
//   item `rs_…` with `summary: []` and `content: []`, a `reasoning_text` content part,
//   response.reasoning_text.delta / .done, then the message item, then function_call items that get
//   NO response.function_call_arguments.delta — only .done (without `name`); `sequence_number` last in
//   each object; LM Studio's own Response defaults (truncation "auto", top_p 0.95, service_tier "default").
// - pydantic/pydantic-ai#3191 (LM Studio + gpt-oss: ResponseReasoningTextDeltaEvent, item_id rs_…).
// Not confirmed: whether LM Studio writes `event:` lines (the captures hold data payloads only); use
// `eventLines: false` to test a client against data-only framing. Adapters should dispatch on data.type.
import type { SseFrame } from "./fake-server.js";
import { typedFrames } from "./fake-server.js";
import { FIXED_CREATED_AT, idMaker, roughTokens, splitText } from "./wire-util.js";

export interface ResponsesSpec {
  model?: string;
  /** reasoning item with reasoning_text deltas, as LM Studio emits */
  reasoning?: string;
  /** OpenAI-style summary deltas instead: one part, or several (each its own summary_index, as OpenAI sends a summary's paragraphs) */
  reasoningSummary?: string | readonly string[];
  text?: string;
  toolCalls?: { callId: string; name: string; arguments: string }[];
  /** null = omit usage entirely */
  usage?: { input: number; output: number; cached?: number; reasoning?: number } | null;
  /** split deltas into pieces of this many chars, default 8 */
  chunkSize?: number;
  status?: "completed" | "incomplete";
  /** whose details to follow (ids, key order, tool-call argument deltas); default "openai" */
  flavor?: "openai" | "lmstudio";
  /** write `event: <type>` lines (default true) */
  eventLines?: boolean;
}

type Json = Record<string, unknown>;

export function responsesStream(spec: ResponsesSpec): SseFrame[] {
  const flavor = spec.flavor ?? "openai";
  const lm = flavor === "lmstudio";
  const size = spec.chunkSize ?? 8;
  const model = spec.model ?? (lm ? "openai/gpt-oss-20b" : "gpt-5-2025-08-07");
  const id = idMaker(JSON.stringify(spec));
  const responseId = id("resp_", 48, "hex");
  const incomplete = spec.status === "incomplete";
  const events: Json[] = [];
  let sequence = 0;
  const emit = (type: string, fields: Json): void => {
    events.push(lm ? { type, ...fields, sequence_number: sequence++ } : { type, sequence_number: sequence++, ...fields });
  };
  const output: Json[] = [];
  let outputIndex = 0;
  const summaryParts = spec.reasoningSummary === undefined ? undefined : typeof spec.reasoningSummary === "string" ? [spec.reasoningSummary] : spec.reasoningSummary;
  /** OpenAI's padding of each delta event; LM Studio sends none. */
  const obfuscated = (delta: string): Json => (lm ? {} : { obfuscation: id("", Math.max(1, 16 - delta.length), "base62") });

  emit("response.created", { response: responseObject(flavor, responseId, model, "in_progress") });
  emit("response.in_progress", { response: responseObject(flavor, responseId, model, "in_progress") });

  if (spec.reasoning !== undefined || spec.reasoningSummary !== undefined) {
    const itemId = lm ? id("rs_", 21) : id("rs_", 50, "hex");
    const index = outputIndex++;
    const summary = summaryParts;
    const raw = spec.reasoning;
    emit("response.output_item.added", {
      output_index: index,
      item: raw !== undefined || lm ? { id: itemId, type: "reasoning", status: "in_progress", summary: [], content: [] } : { id: itemId, type: "reasoning", summary: [] },
    });
    summary?.forEach((part, summaryIndex) => {
      const base = { item_id: itemId, output_index: index, summary_index: summaryIndex };
      emit("response.reasoning_summary_part.added", { ...base, part: { type: "summary_text", text: "" } });
      for (const delta of splitText(part, size)) emit("response.reasoning_summary_text.delta", { ...base, delta, ...obfuscated(delta) });
      emit("response.reasoning_summary_text.done", { ...base, text: part });
      emit("response.reasoning_summary_part.done", { ...base, part: { type: "summary_text", text: part } });
    });
    if (raw !== undefined) {
      const base = { item_id: itemId, output_index: index, content_index: 0 };
      emit("response.content_part.added", { ...base, part: { type: "reasoning_text", text: "" } });
      for (const delta of splitText(raw, size)) emit("response.reasoning_text.delta", { ...base, delta });
      emit("response.reasoning_text.done", { ...base, text: raw });
      emit("response.content_part.done", { ...base, part: { type: "reasoning_text", text: raw } });
    }
    const item: Json =
      raw !== undefined || lm
        ? {
            id: itemId,
            type: "reasoning",
            status: "completed",
            summary: (summary ?? []).map((part) => ({ type: "summary_text", text: part })),
            content: raw === undefined ? [] : [{ type: "reasoning_text", text: raw }],
          }
        : { id: itemId, type: "reasoning", summary: (summary ?? [""]).map((part) => ({ type: "summary_text", text: part })) };
    emit("response.output_item.done", { output_index: index, item });
    output.push(item);
  }

  if (spec.text !== undefined) {
    const itemId = lm ? id("msg_", 22) : id("msg_", 50, "hex");
    const index = outputIndex++;
    const text = spec.text;
    const emptyPart = lm ? { type: "output_text", text: "", annotations: [], logprobs: [] } : { type: "output_text", annotations: [], logprobs: [], text: "" };
    const fullPart = lm ? { type: "output_text", text, annotations: [], logprobs: [] } : { type: "output_text", annotations: [], logprobs: [], text };
    const base = { item_id: itemId, output_index: index, content_index: 0 };
    emit("response.output_item.added", { output_index: index, item: { id: itemId, type: "message", status: "in_progress", content: [], role: "assistant" } });
    emit("response.content_part.added", { ...base, part: emptyPart });
    for (const delta of splitText(text, size)) emit("response.output_text.delta", { ...base, delta, logprobs: [], ...obfuscated(delta) });
    emit("response.output_text.done", { ...base, text, logprobs: [] });
    emit("response.content_part.done", { ...base, part: fullPart });
    const item = { id: itemId, type: "message", status: incomplete ? "incomplete" : "completed", content: [fullPart], role: "assistant" };
    emit("response.output_item.done", { output_index: index, item });
    output.push(item);
  }

  for (const call of spec.toolCalls ?? []) {
    const itemId = lm ? id("fc_", 22) : id("fc_", 50, "hex");
    const index = outputIndex++;
    const item = (status: string, args: string): Json => ({ id: itemId, type: "function_call", status, arguments: args, call_id: call.callId, name: call.name });
    emit("response.output_item.added", { output_index: index, item: item("in_progress", "") });
    if (!lm) {
      for (const delta of splitText(call.arguments, size)) emit("response.function_call_arguments.delta", { item_id: itemId, output_index: index, delta, ...obfuscated(delta) });
      emit("response.function_call_arguments.done", { item_id: itemId, output_index: index, arguments: call.arguments, name: call.name });
    } else {
      emit("response.function_call_arguments.done", { item_id: itemId, output_index: index, arguments: call.arguments });
    }
    const done = item("completed", call.arguments);
    emit("response.output_item.done", { output_index: index, item: done });
    output.push(done);
  }

  const final = responseObject(flavor, responseId, model, incomplete ? "incomplete" : "completed");
  final.completed_at = incomplete ? null : FIXED_CREATED_AT + 2;
  final.output = output;
  if (incomplete) final.incomplete_details = { reason: "max_output_tokens" };
  if (spec.usage === null) delete final.usage;
  else {
    const usage = spec.usage ?? {
      input: 24,
      output: roughTokens(`${spec.reasoning ?? ""}${(summaryParts ?? []).join("")}${spec.text ?? ""}${(spec.toolCalls ?? []).map((c) => c.arguments).join("")}`),
      reasoning: roughTokens(spec.reasoning ?? (summaryParts ?? []).join("")),
    };
    final.usage = usageObject(flavor, usage);
  }
  emit(incomplete ? "response.incomplete" : "response.completed", { response: final });
  return typedFrames(events as { type: string }[], spec.eventLines ?? true);
}

/** response.failed as OpenAI (and LM Studio) emit it: created, in_progress, then failed with `response.error`. */
export function responsesFailed(message: string, code = "server_error"): SseFrame[] {
  const model = "gpt-5-2025-08-07";
  const responseId = idMaker(message)("resp_", 48, "hex");
  const failed = responseObject("openai", responseId, model, "failed");
  failed.error = { code, message };
  return typedFrames([
    { type: "response.created", sequence_number: 0, response: responseObject("openai", responseId, model, "in_progress") },
    { type: "response.in_progress", sequence_number: 1, response: responseObject("openai", responseId, model, "in_progress") },
    { type: "response.failed", sequence_number: 2, response: failed },
  ]);
}

/** The top-level `error` event of a Responses stream (ResponseErrorEvent: code, message, param). */
export function responsesErrorEvent(message: string, code: string | null = null, param: string | null = null, sequenceNumber = 0): SseFrame {
  return { event: "error", data: JSON.stringify({ type: "error", sequence_number: sequenceNumber, code, message, param }) };
}

function usageObject(flavor: "openai" | "lmstudio", usage: { input: number; output: number; cached?: number; reasoning?: number }): Json {
  const input_tokens_details = { cached_tokens: usage.cached ?? 0 };
  const output_tokens_details = { reasoning_tokens: usage.reasoning ?? 0 };
  const total_tokens = usage.input + usage.output;
  return flavor === "lmstudio"
    ? { input_tokens: usage.input, output_tokens: usage.output, total_tokens, input_tokens_details, output_tokens_details }
    : { input_tokens: usage.input, input_tokens_details, output_tokens: usage.output, output_tokens_details, total_tokens };
}

function responseObject(flavor: "openai" | "lmstudio", id: string, model: string, status: string): Json {
  if (flavor === "lmstudio") {
    return {
      id, object: "response", created_at: FIXED_CREATED_AT, completed_at: null, status, incomplete_details: null, model,
      previous_response_id: null, instructions: null, output: [], error: null, tools: [], tool_choice: "auto", truncation: "auto",
      parallel_tool_calls: true, text: { format: { type: "text" } }, top_p: 0.95, presence_penalty: 0, frequency_penalty: 0,
      top_logprobs: 0, temperature: 0.8, reasoning: { summary: null, effort: null }, usage: null, max_output_tokens: null,
      max_tool_calls: null, store: true, background: false, service_tier: "default", metadata: {}, safety_identifier: null,
      prompt_cache_key: null,
    };
  }
  return {
    id, object: "response", created_at: FIXED_CREATED_AT, status, background: false, completed_at: null, error: null,
    incomplete_details: null, instructions: null, max_output_tokens: null, max_tool_calls: null, model, output: [],
    parallel_tool_calls: true, previous_response_id: null, prompt_cache_key: null, prompt_cache_retention: null,
    reasoning: { effort: "medium", summary: null }, safety_identifier: null, service_tier: "auto", store: true, temperature: 1.0,
    text: { format: { type: "text" }, verbosity: "medium" }, tool_choice: "auto", tools: [], top_logprobs: 0, top_p: 1.0,
    truncation: "disabled", usage: null, user: null, metadata: {},
  };
}
