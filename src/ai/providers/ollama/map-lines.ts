import { classifyStreamError } from "../../classify-failure.js";
import { FailureError } from "../../http/http-client.js";
import { array, numberOf, record, stringOf } from "../../json-fields.js";
import type { ResponseBuilder } from "../../response-builder.js";
import { argumentsOfObject } from "../../tool-arguments.js";
import type { StopReason, Usage } from "../../types.js";
import { newCallId } from "../../call-id.js";

/**
 * Ollama `/api/chat` stream lines → builder calls. Each line is `{message: {content, thinking,
 * tool_calls}, done: false}`; the last has `done: true`, `done_reason` and the counts
 * (`prompt_eval_count`, `eval_count`, durations in nanoseconds). Tool calls arrive whole, with their
 * arguments as an object. An error is `{error: "…"}`, before or inside the stream.
 */
export class OllamaLineMapper {
  private doneReason: string | undefined;
  private finishedLine = false;
  private calls = 0;

  constructor(
    private readonly builder: ResponseBuilder,
    private readonly what: string,
  ) {}

  get finished(): boolean {
    return this.finishedLine;
  }

  handle(line: Record<string, unknown>): void {
    this.builder.served(line.model);
    if (typeof line.error === "string" || (line.error && typeof line.error === "object")) {
      const message = typeof line.error === "string" ? line.error : JSON.stringify(line.error);
      // An error after a 200 is the server failing while it runs the model (it accepted the request).
      throw new FailureError(classifyStreamError({ message, code: "server_error" }, this.what));
    }
    const message = record(line.message);
    const thinking = stringOf(message.thinking);
    if (thinking) this.builder.reasoning(thinking);
    const content = stringOf(message.content);
    if (content) this.builder.text(content);
    for (const call of array(message.tool_calls)) this.toolCall(record(call));
    if (line.done === true) {
      this.finishedLine = true;
      this.doneReason = stringOf(line.done_reason) || "stop";
      this.usage(line);
    }
  }

  end(): void {
    const stop: StopReason = this.doneReason === "length" ? "length" : this.calls > 0 ? "tool-use" : "stop";
    this.builder.end(stop);
  }

  private toolCall(call: Record<string, unknown>): void {
    const fn = record(call.function);
    const name = stringOf(fn.name);
    const parsed = argumentsOfObject(fn.arguments, name);
    const raw = parsed.raw;
    const id = stringOf(call.id) || newCallId();
    this.calls += 1;
    this.builder.toolCall({ type: "tool-call", id, name, arguments: parsed.arguments, rawArguments: raw, argumentsError: parsed.error });
  }

  private usage(line: Record<string, unknown>): void {
    const usage: Partial<Usage> = {};
    const input = numberOf(line.prompt_eval_count);
    const output = numberOf(line.eval_count);
    if (input !== undefined) usage.input = input;
    if (output !== undefined) usage.output = output;
    if (input !== undefined || output !== undefined) this.builder.usage(usage);
  }
}
