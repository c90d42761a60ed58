import type { ChatCompletion, ChatCompletionChunk } from "openai/resources/chat/completions";
import type { ToolCall, Usage } from "../../../ai/types.js";
import type { Answer } from "./answer-events.js";
import { chatUsage, finishReason, newId, nowSeconds } from "./reply-meta.js";

// The official SDK's types check the shapes at compile time; nothing of the SDK is loaded at run time.

/** Reasoning rides beside the text as `reasoning_content` (the field vLLM, DeepSeek and LM Studio use), never in it. */
type WithReasoning<T> = T & { reasoning_content?: string };

const wireCall = (call: ToolCall) => ({ id: call.id, type: "function" as const, function: { name: call.name, arguments: call.rawArguments || "{}" } });

/** A whole `chat.completion` for a non-streaming request. */
export function chatCompletion(answer: Answer, options: { showReasoning: boolean }): ChatCompletion {
  const message: WithReasoning<ChatCompletion.Choice["message"]> = {
    role: "assistant",
    content: answer.text === "" && answer.toolCalls.length > 0 ? null : answer.text,
    refusal: null,
    ...(answer.toolCalls.length > 0 ? { tool_calls: answer.toolCalls.map(wireCall) } : {}),
    ...(options.showReasoning && answer.reasoning !== "" ? { reasoning_content: answer.reasoning } : {}),
  };
  return {
    id: newId("chatcmpl-"),
    object: "chat.completion",
    created: nowSeconds(),
    model: answer.model,
    choices: [{ index: 0, message, finish_reason: finishReason(answer.stopReason, answer.toolCalls.length), logprobs: null }],
    usage: chatUsage(answer.usage),
  };
}

/** The chunks of one streamed chat completion, in order; the last choice chunk names the model that answered. */
export class ChatChunks {
  private readonly id = newId("chatcmpl-");
  private readonly created = nowSeconds();
  private toolIndex = 0;
  private serialisedHead: { model: string; text: string } | undefined;

  constructor(private model: string) {}

  private chunk(delta: WithReasoning<ChatCompletionChunk.Choice.Delta>, finish: ChatCompletionChunk.Choice["finish_reason"] = null): ChatCompletionChunk {
    return { id: this.id, object: "chat.completion.chunk", created: this.created, model: this.model, choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }] };
  }

  /** The first chunk; `model`: the model answering, when known (else the name the request used). */
  start(model: string | undefined): ChatCompletionChunk {
    if (model) this.model = model;
    return this.chunk({ role: "assistant", content: "" });
  }

  /** The model whose chunks follow (a stream that started before one was answering). */
  answering(model: string): void {
    this.model = model;
  }

  text(delta: string): ChatCompletionChunk {
    return this.chunk({ content: delta });
  }

  reasoning(delta: string): ChatCompletionChunk {
    return this.chunk({ reasoning_content: delta });
  }

  /** `JSON.stringify(this.text(delta))`, the chunk's fixed fields serialised once per stream instead of once per token. */
  textJson(delta: string): string {
    return `${this.head()}{"content":${JSON.stringify(delta)}},"finish_reason":null,"logprobs":null}]}`;
  }

  /** `JSON.stringify(this.reasoning(delta))`, likewise. */
  reasoningJson(delta: string): string {
    return `${this.head()}{"reasoning_content":${JSON.stringify(delta)}},"finish_reason":null,"logprobs":null}]}`;
  }

  /** A chunk's JSON up to its delta, for the model named now. */
  private head(): string {
    if (this.serialisedHead?.model !== this.model) {
      const fields = JSON.stringify({ id: this.id, object: "chat.completion.chunk", created: this.created, model: this.model });
      this.serialisedHead = { model: this.model, text: `${fields.slice(0, -1)},"choices":[{"index":0,"delta":` };
    }
    return this.serialisedHead.text;
  }

  toolCall(call: ToolCall): ChatCompletionChunk {
    return this.chunk({ tool_calls: [{ index: this.toolIndex++, ...wireCall(call) }] });
  }

  /** The finish chunk (with the usage on it), and the usage chunk of its own when the client asked for one. */
  finish(answer: Answer, includeUsage: boolean): ChatCompletionChunk[] {
    this.model = answer.model;
    const usage = chatUsage(answer.usage);
    const last: ChatCompletionChunk = { ...this.chunk({}, finishReason(answer.stopReason, this.toolIndex)), usage };
    if (!includeUsage) return [last];
    return [{ ...last, usage: null }, this.usage(answer.usage)];
  }

  /** The usage chunk (`choices` empty) a client that set `stream_options.include_usage` reads before `[DONE]`, a failed answer's too. */
  usage(usage: Usage): ChatCompletionChunk {
    return { id: this.id, object: "chat.completion.chunk", created: this.created, model: this.model, choices: [], usage: chatUsage(usage) };
  }
}
