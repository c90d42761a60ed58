import { emptyUsage } from "../../../ai/usage.js";
import { failureBody, type SSEMessage, type SseWriter } from "./answer-stream.js";
import { ChatChunks } from "./chat-writer.js";
import { chatUsage } from "./reply-meta.js";
import type { ResponseBuilder } from "./responses-writer.js";

const data = (value: unknown): SSEMessage => ({ data: JSON.stringify(value) });

/**
 * Chat completions: `data:` chunks, reasoning as `reasoning_content` where shown, `data: [DONE]` last;
 * an error as `data: {"error": …}` — after the usage chunk when the client asked for one
 * (`stream_options.include_usage`): what the failed answer spent, as a finished one's comes before `[DONE]`.
 */
export function chatSseWriter(options: { model: string; includeUsage: boolean; showReasoning: boolean }): SseWriter {
  const chunks = new ChatChunks(options.model);
  let wroteText = false;
  let paragraph = false;
  return {
    start: (model) => [data(chunks.start(model))],
    event: (event) => {
      switch (event.type) {
        case "text-delta": {
          if (event.delta === "") return [];
          const delta = paragraph ? `\n\n${event.delta}` : event.delta;
          paragraph = false;
          wroteText = true;
          return [{ data: chunks.textJson(delta) }];
        }
        case "reasoning-delta":
          return options.showReasoning && event.delta !== "" ? [{ data: chunks.reasoningJson(event.delta) }] : [];
        // Chat Completions has no place for signed reasoning (see docs/openai-api.md, Claude thinking in a tool loop).
        case "reasoning-signed":
          return [];
        case "tool-call":
          // Tool calls go out with the end, from the answer: a call of an attempt that then failed never reaches the client.
          return [];
        case "step-break":
          paragraph = wroteText;
          return [];
        case "restart":
        case "failed-over":
          return [];
      }
    },
    end: (answer) => [
      ...(wroteText || answer.text === "" ? [] : [data(chunks.text(answer.text))]),
      ...answer.toolCalls.map((call) => data(chunks.toolCall(call))),
      ...chunks.finish(answer, options.includeUsage).map(data),
      { data: "[DONE]" },
    ],
    fail: (failure) => [...(options.includeUsage ? [data(chunks.usage(failure.usage ?? emptyUsage()))] : []), data(failureBody(failure, chatUsage)), { data: "[DONE]" }],
    answering: (model) => chunks.answering(model),
  };
}

/** Responses: `event: <type>` + `data:` for every event of the builder, numbered in order. */
export function responsesSseWriter(builder: ResponseBuilder): SseWriter {
  const typed = (events: readonly { type: string }[]): SSEMessage[] => events.map((event) => ({ event: event.type, data: JSON.stringify(event) }));
  return {
    start: (model) => typed(builder.start(model)),
    event: (event) => {
      switch (event.type) {
        case "text-delta":
          return typed(builder.text(event.delta));
        case "reasoning-delta":
          return typed(builder.reasoning(event.delta, event.summary === true));
        case "reasoning-signed":
          return typed(builder.signed(event.block, event.signed));
        case "tool-call":
          return [];
        case "step-break":
          builder.stepBreak();
          return [];
        case "restart":
          return [];
        case "failed-over":
          return typed(builder.failedOver());
      }
    },
    end: (answer) => [...answer.toolCalls.flatMap((call) => typed(builder.toolCall(call))), ...typed(builder.finish(answer).events)],
    fail: (failure) => typed(builder.failed(failure)),
  };
}
