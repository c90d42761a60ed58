import type { Response, ResponseFunctionToolCall, ResponseOutputItem, ResponseOutputMessage, ResponseReasoningItem, ResponseStreamEvent } from "openai/resources/responses/responses";
import type { ToolCall, ToolDefinition } from "../../../ai/types.js";
import { emptyUsage } from "../../../ai/usage.js";
import type { Answer, AnswerFailure, AttemptSummary, SignedReasoning } from "./answer-events.js";
import { attemptsHeader, newId, nowSeconds, responsesUsage } from "./reply-meta.js";
import { encodeSignedReasoning } from "./signed-reasoning.js";

// The official SDK's types check the shapes at compile time; nothing of the SDK is loaded at run time.

/** A Response as it goes on the wire (`output_text` is the SDK's own convenience, added on the client). */
export type WireResponse = Omit<Response, "output_text">;

/** Stream events without their sequence number, which the builder numbers in order. */
type Unnumbered<T> = T extends unknown ? Omit<T, "sequence_number"> : never;
type Event = Unnumbered<ResponseStreamEvent>;

export interface ResponseMeta {
  /** The model (or agent) the request named: the response says it until the model that answered is known. */
  model: string;
  showReasoning: boolean;
  /** `include: ["reasoning.encrypted_content"]`: each reasoning item carries what its provider signed of it (hearth's `hearth1.` value), for the client to replay. */
  encryptedReasoning?: boolean | undefined;
  metadata: Record<string, string>;
  instructions: string | undefined;
  maxOutputTokens: number | undefined;
  user: string | undefined;
  /** The request's function tools (proxy mode: the client's), echoed in the response as OpenAI does. */
  tools?: readonly ToolDefinition[] | undefined;
  /** The request's settings as it set them (tool_choice, parallel_tool_calls, temperature, top_p, reasoning), echoed likewise. */
  echo?: Record<string, unknown> | undefined;
}

/**
 * The item open: a message, reasoning (its `content`), a summary of reasoning (its `summary`, OpenAI's
 * reasoning summaries), or reasoning its provider gave only signed or encrypted (`opaque`: no text).
 * A reasoning item's `signed`: the block of the answer it stands for, once its provider signed it, and
 * the `encrypted_content` it carries then (where the request asked for it).
 */
type OpenItem =
  | { kind: "message"; index: number; item: ResponseOutputMessage; text: string }
  | { kind: "reasoning" | "summary" | "opaque"; index: number; item: ResponseReasoningItem; text: string; signed?: { block: number; encrypted: string | undefined } | undefined };

/**
 * One Response built from an answer's events, as stream events (numbered in order) and as the final
 * object. Items open and close as the answer moves between reasoning, text and tool calls; the last
 * event (`response.completed`, `.incomplete` or `.failed`) holds every item whole, with the usage and
 * the model that answered — some clients read only that.
 */
export class ResponseBuilder {
  private readonly id = newId("resp_");
  private readonly createdAt = nowSeconds();
  private readonly output: ResponseOutputItem[] = [];
  private open: OpenItem | undefined;
  private sequence = 0;
  private paragraphPending = false;
  private streamedText = false;

  constructor(private readonly meta: ResponseMeta) {}

  private numbered(events: Event[]): ResponseStreamEvent[] {
    return events.map((event) => ({ ...event, sequence_number: this.sequence++ }) as ResponseStreamEvent);
  }

  /** The response as it stands (status and final fields given by the caller). */
  snapshot(status: Response["status"], extra: Partial<WireResponse> = {}): WireResponse {
    return {
      id: this.id,
      object: "response",
      created_at: this.createdAt,
      status,
      model: this.meta.model,
      output: structuredClone(this.output),
      error: null,
      incomplete_details: null,
      instructions: this.meta.instructions ?? null,
      metadata: { ...this.meta.metadata },
      parallel_tool_calls: true,
      temperature: null,
      top_p: null,
      tool_choice: "auto",
      tools: (this.meta.tools ?? []).map((tool) => ({ type: "function", name: tool.name, description: tool.description, parameters: tool.parameters, strict: tool.strict === true })),
      max_output_tokens: this.meta.maxOutputTokens ?? null,
      previous_response_id: null,
      store: false,
      ...(this.meta.user ? { user: this.meta.user } : {}),
      ...this.meta.echo,
      ...extra,
    } as WireResponse;
  }

  /** `response.created` and `.in_progress`; `model`: the model answering, when known (else the name the request used). */
  start(model?: string): ResponseStreamEvent[] {
    if (model) this.meta.model = model;
    return this.numbered([
      { type: "response.created", response: this.snapshot("in_progress") as Response },
      { type: "response.in_progress", response: this.snapshot("in_progress") as Response },
    ]);
  }

  /** The agent ran tools between two replies: the next text starts a new paragraph. */
  stepBreak(): void {
    if (this.streamedText) this.paragraphPending = true;
  }

  text(delta: string): ResponseStreamEvent[] {
    if (delta === "") return [];
    const events: Event[] = [];
    let open = this.open;
    if (open?.kind !== "message") {
      events.push(...this.close());
      const item: ResponseOutputMessage = { id: newId("msg_"), type: "message", status: "in_progress", role: "assistant", content: [] };
      open = { kind: "message", index: this.output.length, item, text: "" };
      this.open = open;
      this.output.push(structuredClone(item));
      events.push({ type: "response.output_item.added", output_index: open.index, item: structuredClone(item) });
      events.push({ type: "response.content_part.added", item_id: item.id, output_index: open.index, content_index: 0, part: { type: "output_text", text: "", annotations: [], logprobs: [] } });
    }
    const piece = this.paragraphPending ? `\n\n${delta}` : delta;
    this.paragraphPending = false;
    this.streamedText = true;
    open.text += piece;
    events.push({ type: "response.output_text.delta", item_id: open.item.id, output_index: open.index, content_index: 0, delta: piece, logprobs: [] });
    return this.numbered(events);
  }

  /**
   * Reasoning goes in a reasoning item's `content` (`reasoning_text`); a summary of it (`summary`: as an
   * OpenAI server gave it) in the item's `summary` (`summary_text`), as OpenAI sends one — never in a message.
   */
  reasoning(delta: string, summary = false): ResponseStreamEvent[] {
    if (!this.meta.showReasoning || delta === "") return [];
    const kind = summary ? "summary" : "reasoning";
    const events: Event[] = [];
    let open = this.open;
    // Reasoning after a block its provider signed is the next block: an item of its own.
    if (open?.kind !== kind || open.signed !== undefined) {
      events.push(...this.close());
      const item: ResponseReasoningItem = summary ? { id: newId("rs_"), type: "reasoning", status: "in_progress", summary: [] } : { id: newId("rs_"), type: "reasoning", status: "in_progress", summary: [], content: [] };
      open = { kind, index: this.output.length, item, text: "" };
      this.open = open;
      this.output.push(structuredClone(item));
      events.push({ type: "response.output_item.added", output_index: open.index, item: structuredClone(item) });
      events.push(
        summary
          ? { type: "response.reasoning_summary_part.added", item_id: item.id, output_index: open.index, summary_index: 0, part: { type: "summary_text", text: "" } }
          : { type: "response.content_part.added", item_id: item.id, output_index: open.index, content_index: 0, part: { type: "reasoning_text", text: "" } },
      );
    }
    open.text += delta;
    events.push(
      summary
        ? { type: "response.reasoning_summary_text.delta", item_id: open.item.id, output_index: open.index, summary_index: 0, delta }
        : { type: "response.reasoning_text.delta", item_id: open.item.id, output_index: open.index, content_index: 0, delta },
    );
    return this.numbered(events);
  }

  /**
   * What the provider signed of reasoning block `block` (Anthropic's signature, a Responses server's
   * encrypted_content): the reasoning item open carries it (one item per reasoning, in its place
   * before the message or call it led to), as `encrypted_content` when the request asked for that;
   * reasoning given only signed is an item of its own then, with nothing else to show.
   */
  signed(block: number, signed: SignedReasoning): ResponseStreamEvent[] {
    if (!this.meta.showReasoning) return [];
    const encrypted = this.meta.encryptedReasoning ? encodeSignedReasoning(signed) : undefined;
    const open = this.open;
    if (open !== undefined && open.kind !== "message" && (open.signed === undefined || open.signed.block === block)) {
      open.signed = { block, encrypted };
      return [];
    }
    // Not asked for: nothing to show of reasoning given only signed (the item open stays as it is).
    if (encrypted === undefined) return [];
    const events: Event[] = [...this.close()];
    const item: ResponseReasoningItem = { id: newId("rs_"), type: "reasoning", status: "in_progress", summary: [] };
    this.open = { kind: "opaque", index: this.output.length, item, text: "", signed: { block, encrypted } };
    this.output.push(structuredClone(item));
    events.push({ type: "response.output_item.added", output_index: this.output.length - 1, item: structuredClone(item) });
    return this.numbered(events);
  }

  /** The model answering broke before its words and the next one answers: the item it left open (its reasoning) ends there, cut. */
  failedOver(): ResponseStreamEvent[] {
    return this.numbered(this.close("incomplete"));
  }

  toolCall(call: ToolCall): ResponseStreamEvent[] {
    const events: Event[] = [...this.close()];
    const index = this.output.length;
    const argumentsText = call.rawArguments || "{}";
    const item: ResponseFunctionToolCall = { id: newId("fc_"), type: "function_call", status: "in_progress", call_id: call.id, name: call.name, arguments: "" };
    this.output.push({ ...item, status: "completed", arguments: argumentsText });
    events.push({ type: "response.output_item.added", output_index: index, item });
    events.push({ type: "response.function_call_arguments.delta", item_id: item.id as string, output_index: index, delta: argumentsText });
    events.push({ type: "response.function_call_arguments.done", item_id: item.id as string, output_index: index, name: call.name, arguments: argumentsText });
    events.push({ type: "response.output_item.done", output_index: index, item: { ...item, status: "completed", arguments: argumentsText } });
    return this.numbered(events);
  }

  /**
   * The `.done` events of the open item, and the item whole in the output. `incomplete`: the answer
   * was cut there (the reply limit, or the answer broke): the item keeps the text so far, marked so.
   */
  private close(status: "completed" | "incomplete" = "completed"): Event[] {
    const open = this.open;
    if (!open) return [];
    this.open = undefined;
    const { item, index, text } = open;
    if (open.kind === "message") {
      const part = { type: "output_text" as const, text, annotations: [], logprobs: [] };
      const done: ResponseOutputMessage = { ...open.item, status, content: [part] };
      this.output[index] = structuredClone(done);
      return [
        { type: "response.output_text.done", item_id: item.id, output_index: index, content_index: 0, text, logprobs: [] },
        { type: "response.content_part.done", item_id: item.id, output_index: index, content_index: 0, part },
        { type: "response.output_item.done", output_index: index, item: done },
      ];
    }
    const encrypted = open.signed?.encrypted === undefined ? {} : { encrypted_content: open.signed.encrypted };
    if (open.kind === "opaque") {
      const done: ResponseReasoningItem = { ...open.item, status, ...encrypted };
      this.output[index] = structuredClone(done);
      return [{ type: "response.output_item.done", output_index: index, item: done }];
    }
    if (open.kind === "summary") {
      const part = { type: "summary_text" as const, text };
      const done: ResponseReasoningItem = { ...open.item, status, summary: [part], ...encrypted };
      this.output[index] = structuredClone(done);
      return [
        { type: "response.reasoning_summary_text.done", item_id: item.id, output_index: index, summary_index: 0, text },
        { type: "response.reasoning_summary_part.done", item_id: item.id, output_index: index, summary_index: 0, part },
        { type: "response.output_item.done", output_index: index, item: done },
      ];
    }
    const part = { type: "reasoning_text" as const, text };
    const done: ResponseReasoningItem = { ...open.item, status, content: [part], ...encrypted };
    this.output[index] = structuredClone(done);
    return [
      { type: "response.reasoning_text.done", item_id: item.id, output_index: index, content_index: 0, text },
      { type: "response.content_part.done", item_id: item.id, output_index: index, content_index: 0, part },
      { type: "response.output_item.done", output_index: index, item: done },
    ];
  }

  /**
   * The end of a successful answer: text not streamed (an in-chat command's answer) as one delta, then `response.completed` (or
   * `.incomplete` when the reply limit or a content filter cut it: the item it cut is `incomplete`
   * too, and there is no `completed_at`, which the API gives only a completed response).
   */
  finish(answer: Answer): { events: ResponseStreamEvent[]; response: WireResponse } {
    const events: ResponseStreamEvent[] = [];
    const incomplete = incompleteReason(answer.stopReason);
    if (!this.streamedText && answer.text !== "") events.push(...this.text(answer.text));
    events.push(...this.numbered(this.close(incomplete ? "incomplete" : "completed")));
    this.meta.model = answer.model;
    const metadata = { ...this.meta.metadata, hearth_model: answer.model, hearth_attempts: metadataAttempts(answer.attempts), ...(answer.notice ? { hearth_notice: answer.notice.slice(0, 512) } : {}) };
    const response = this.snapshot(incomplete ? "incomplete" : "completed", {
      usage: responsesUsage(answer.usage),
      metadata,
      ...(incomplete ? { incomplete_details: { reason: incomplete } } : { completed_at: nowSeconds() }),
    });
    events.push(...this.numbered([{ type: incomplete ? "response.incomplete" : "response.completed", response: response as Response }]));
    return { events, response };
  }

  /**
   * A failure after the stream began: the item the failure cut closed as `incomplete` with what came
   * of it, and `response.failed` with the error (each attempt's cause in its message), the model
   * that was answering, and the usage as far as it is known.
   */
  failed(failure: AnswerFailure): ResponseStreamEvent[] {
    const closing = this.close("incomplete");
    if (failure.model) this.meta.model = failure.model;
    // error.code is the API's own few values: hearth's code (as Chat Completions' error has it) rides in metadata.
    const metadata = { ...this.meta.metadata, ...(failure.model ? { hearth_model: failure.model } : {}), hearth_attempts: metadataAttempts(failure.attempts), hearth_error_code: failure.code };
    const response = this.snapshot("failed", { error: { code: "server_error", message: failure.message }, metadata, usage: responsesUsage(failure.usage ?? emptyUsage()) });
    return this.numbered([...closing, { type: "response.failed", response: response as Response }]);
  }
}

/** Why an answer that ended this way is incomplete, in the API's words; undefined: it is complete. */
function incompleteReason(stopReason: Answer["stopReason"]): "max_output_tokens" | "content_filter" | undefined {
  if (stopReason === "length") return "max_output_tokens";
  return stopReason === "content-filter" ? "content_filter" : undefined;
}

/** The attempts as JSON within metadata's 512 characters: the latest ones (the answering model is last) when all do not fit. */
function metadataAttempts(attempts: readonly AttemptSummary[]): string {
  let kept = attempts;
  let text = attemptsHeader(kept);
  while (text.length > 512 && kept.length > 1) {
    kept = kept.slice(1);
    text = attemptsHeader(kept);
  }
  return text.length > 512 ? "[]" : text;
}
