import type { Api } from "./api.js";
import { runAdapter, type AdapterRunOptions, type ProviderAdapter } from "./adapter.js";
import { CompatHabits } from "./compat.js";
import { ThinkHabits, type AskServer } from "./think-habits.js";
import type { ModelCompat, ModelSpec } from "./model-spec.js";
import type { ResponseBuilder } from "./response-builder.js";
import type { CallOptions, Context } from "./types.js";
import { WireHistory } from "./wire-history.js";

/** What one call of an OpenAI-shaped protocol has to work with. */
export interface HabitCall {
  model: ModelSpec;
  builder: ResponseBuilder;
  /** The conversation as this server takes it (its learned habits applied). */
  wire: Context;
  compat: ModelCompat;
  /** The caller's options, for the request body. */
  options: CallOptions | undefined;
  /** The options of this HTTP call (its own abort signal). */
  call: CallOptions;
  /** The wire parts of earlier turns, replayed as they were received. */
  parts: WireHistory;
}

/** What a protocol knows of where its servers put reasoning. */
export interface InlineReasoning extends Pick<AdapterRunOptions, "separatesReasoning"> {
  /** What the server says of its template, when an answer left open whether its text was reasoning. */
  askServer?: AskServer | undefined;
}

/**
 * An adapter for the protocols local servers speak (chat completions, Responses, Ollama): it learns each server's
 * habits from the errors it answers with (CompatHabits), keeps the wire parts of earlier turns (WireHistory), and
 * splits inline think tags, holding a reasoning model's leading text only while its server may still send an
 * orphan `</think>` (ThinkHabits; `inline.separatesReasoning`: the request asks the server to take reasoning out).
 */
export function adapterLearningHabits(api: Api, send: (call: HabitCall) => Promise<void>, inline: InlineReasoning = {}): ProviderAdapter {
  const compat = new CompatHabits();
  const thinkTags = new ThinkHabits(inline.askServer);
  const parts = new WireHistory();
  return {
    api,
    releaseMemory: () => parts.forget(),
    compatFor: (model) => compat.for(model),
    stream: (model, context, options) =>
      runAdapter(model, context, options, (builder, wire, shape, call) => send({ model, builder, wire, compat: shape, options, call, parts }), {
        thinkTags,
        separatesReasoning: inline.separatesReasoning,
        compat,
      }),
  };
}
