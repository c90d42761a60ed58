// A fake llama.cpp `llama-server`: its own `/props`, the `/v1/models` listing with `meta.n_ctx`, the
// Responses API's input checks, and its context-size error — the parts hearth learns the served
// window and tool support from, and the parts that broke hearth against the real server.
//
// Sources the shapes are based on (llama.cpp as bundled in node-llama-cpp 3.21.1, checked against a
// real llama-server built from it: test-realserver/ runs the same requests against the real thing):
// - tools/server/server-context.cpp get_res_props: `default_generation_settings: {params, n_ctx}`,
//   `total_slots`, `model_alias`, `chat_template`, `chat_template_caps: {supports_tools, …}`, …
// - get_res_models / get_res_model_info: `{models: [...], object: "list", data: [{id, aliases, tags,
//   object: "model", created, owned_by: "llamacpp", meta: {vocab_type, n_vocab, n_ctx, n_ctx_train,
//   n_embd, n_params, size, ftype}}]}` — `meta.n_ctx` is the slot's context.
// - tools/server/server-chat.cpp server_chat_convert_responses_to_chatcmpl: an input item is accepted
//   only as a message with role user/system/developer, an assistant message WITH `type: "message"`,
//   a `function_call`, a `function_call_output`, or a `reasoning` item with non-empty `content`;
//   anything else is 400 "Cannot determine type of 'item'".
// - server-context.cpp: "request (N tokens) exceeds the available context size (M tokens), try
//   increasing it", type `exceed_context_size_error`, code 400, with `n_prompt_tokens` and `n_ctx`.
import type { FakeServer, Handler, RecordedRequest, Reply } from "./fake-server.js";
import { startFakeServer } from "./fake-server.js";

export interface LlamaCppOptions {
  /** The id the server lists (`--alias`); default "stories260k". */
  alias?: string;
  /** The slot's context (`-c`); default 2048. */
  nCtx?: number;
  /** What `chat_template_caps.supports_tools` says; default false (a model without a chat template: ChatML). */
  supportsTools?: boolean;
  /** The model's chat template (`chat_template`); default ChatML without tools, what a model without one gets. */
  chatTemplate?: string;
  /** `params.reasoning_format` (`--reasoning-format`); default "none", as the real server says for a ChatML model. */
  reasoningFormat?: string;
  responses?: Handler;
  completions?: Handler;
  /** Anthropic's `POST /v1/messages` (builds from January 2026 on); absent: an older build, which answers 404. */
  messages?: Handler;
  /** Slots (`-np`; `total_slots` in /props); default 1. */
  totalSlots?: number;
  /** `meta.n_params` of the listing; default 260,000 (the real stories260K). */
  parameters?: number;
  /** Prompt tokens a request counts as, for the context check; default: characters / 4 of the body's text. */
  promptTokens?: (request: RecordedRequest) => number;
  /** Tokens `POST /tokenize` counts for a text (its `tokens` array's length); default: characters / 4. */
  tokenize?: (text: string) => number;
  /**
   * The ids `/v1/models` lists, one entry each; default [alias]. A llama-server started with
   * `-m /path/model.gguf` and no `--alias` lists the path; one serving several files lists each.
   */
  listed?: readonly string[];
  /**
   * What `GET /slots` says each slot is doing, asked on every look; default: every slot idle. A slot at
   * work has its task, the prompt tokens read and the tokens written so far.
   */
  slotStates?: () => readonly SlotState[];
  /** Started with `--no-slots`: `GET /slots` answers 501. */
  noSlotsEndpoint?: boolean;
}

export type SlotState = { processing: false } | { processing: true; task: number; promptRead: number; decoded: number };

const invalid = (message: string, type = "invalid_request_error"): Reply => ({ kind: "json", status: 400, body: { error: { code: 400, message, type } } });

/** Starts a fake llama-server. The options object is read on every request. */
export function startLlamaCpp(options: LlamaCppOptions): Promise<FakeServer> {
  return startFakeServer(llamaCppHandler(options));
}

export function llamaCppHandler(options: LlamaCppOptions): Handler {
  return (request) => {
    const alias = options.alias ?? "stories260k";
    const nCtx = options.nCtx ?? 2048;
    const route = `${request.method} ${request.path.split("?")[0] ?? "/"}`;
    switch (route) {
      case "GET /props":
        return { kind: "json", body: { ...props(alias, nCtx, options.supportsTools ?? false, { chatTemplate: options.chatTemplate, reasoningFormat: options.reasoningFormat }), total_slots: options.totalSlots ?? 1 } };
      case "GET /slots":
        if (options.noSlotsEndpoint) return { kind: "json", status: 501, body: { error: { code: 501, message: "This server does not support slots endpoint. Start it with `--slots`", type: "not_supported_error" } } };
        return { kind: "json", body: (options.slotStates?.() ?? Array.from({ length: options.totalSlots ?? 1 }, (): SlotState => ({ processing: false }))).map((state, id) => slot(id, nCtx, state)) };
      case "GET /v1/models":
      case "GET /models":
        return { kind: "json", body: models(options.listed ?? [alias], nCtx, options.parameters ?? 260_000) };
      case "POST /v1/responses": {
        const problem = responsesInputProblem(request.body);
        if (problem) return invalid(problem);
        return overflow(options, request, nCtx) ?? (options.responses ? options.responses(request) : invalid("no responses handler"));
      }
      case "POST /v1/messages":
        if (!options.messages) return { kind: "json", status: 404, body: { error: { code: 404, message: "File Not Found", type: "not_found_error" } } };
        // The real server, given `{}`: 500 "'messages' is required" (seen from llama-server built from node-llama-cpp 3.21.1).
        if ((request.body as { messages?: unknown } | undefined)?.messages === undefined) return { kind: "json", status: 500, body: { error: { code: 500, message: "'messages' is required", type: "server_error" } } };
        return options.messages(request);
      case "POST /v1/chat/completions":
        return overflow(options, request, nCtx) ?? (options.completions ? options.completions(request) : invalid("no completions handler"));
      case "POST /tokenize": {
        // server-context.cpp handle_tokenize: `{content}` → `{tokens: [ids…]}` (pieces only when asked).
        const content = String((request.body as { content?: unknown } | undefined)?.content ?? "");
        const count = options.tokenize ? options.tokenize(content) : Math.ceil(content.length / 4);
        return { kind: "json", body: { tokens: Array.from({ length: count }, (_, index) => 100 + index) } };
      }
      default:
        return { kind: "json", status: 404, body: { error: { code: 404, message: "File Not Found", type: "not_found_error" } } };
    }
  };
}

function overflow(options: LlamaCppOptions, request: RecordedRequest, nCtx: number): Reply | undefined {
  const tokens = options.promptTokens ? options.promptTokens(request) : Math.ceil(JSON.stringify(request.body).length / 4);
  return tokens < nCtx ? undefined : llamaCppOverflow(tokens, nCtx);
}

/**
 * llama-server when a KV cache its slots share (--kv-unified) runs out under parallel requests
 * (server-context.cpp: "Context size has been exceeded.", ERROR_TYPE_SERVER, sent to every request in
 * flight): before a stream, HTTP 500 with this body; inside one, this body as a `data:` frame after the
 * text so far. Both seen from the real server (test/realserver/shared-cache.test.ts).
 */
export const LLAMACPP_SHARED_CACHE_FULL = { error: { code: 500, message: "Context size has been exceeded.", type: "server_error" } };

/** llama-server's answer to a prompt that does not fit the slot's context. */
export function llamaCppOverflow(tokens: number, nCtx: number): Reply {
  return {
    kind: "json",
    status: 400,
    body: { error: { code: 400, message: `request (${tokens} tokens) exceeds the available context size (${nCtx} tokens), try increasing it`, type: "exceed_context_size_error", n_prompt_tokens: tokens, n_ctx: nCtx } },
  };
}

/** What llama.cpp's Responses → chat conversion rejects in `input`, in its words; undefined when it accepts it. */
export function responsesInputProblem(body: unknown): string | undefined {
  const input = (body as { input?: unknown }).input;
  if (input === undefined) return "'input' is required";
  if (typeof input === "string") return undefined;
  if (!Array.isArray(input)) return "'input' must be a string or array of objects";
  for (const raw of input as Record<string, unknown>[]) {
    const item = { ...raw };
    const isString = (key: string): boolean => typeof item[key] === "string";
    if (isString("content")) item.content = [{ type: "input_text", text: item.content }];
    const content = Array.isArray(item.content) ? (item.content as Record<string, unknown>[]) : undefined;
    if (content && isString("role") && ["user", "system", "developer"].includes(item.role as string)) {
      for (const part of content) {
        if (!["input_text", "input_image", "input_file"].includes(String(part.type ?? ""))) return "'type' must be one of 'input_text', 'input_image', or 'input_file'";
      }
    } else if (item.role === "assistant" && item.type === "message") {
      for (const part of content ?? []) {
        if (!["output_text", "input_text", "refusal"].includes(String(part.type ?? ""))) return "'type' must be one of 'output_text' or 'refusal'";
      }
    } else if (item.type === "function_call") {
      if (!isString("arguments") || !isString("call_id") || !isString("name")) return "Cannot determine type of 'item'";
    } else if (item.type === "function_call_output") {
      if (!isString("call_id") || !(isString("output") || Array.isArray(item.output))) return "Cannot determine type of 'item'";
    } else if (item.type === "reasoning" && Array.isArray(item.summary)) {
      const parts = Array.isArray(item.content) ? (item.content as Record<string, unknown>[]) : undefined;
      if (!parts) return "item['content'] is not an array";
      if (parts.length === 0) return "item['content'] is empty";
      if (typeof parts[0]?.text !== "string") return "item['content']['text'] is not a string";
    } else {
      return "Cannot determine type of 'item'";
    }
  }
  return undefined;
}

const CHATML = "{%- for message in messages -%}\n  {{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>\\n' -}}\n{%- endfor -%}\n{%- if add_generation_prompt -%}\n  {{- '<|im_start|>assistant\\n' -}}\n{%- endif -%}";

/**
 * One entry of llama-server's `GET /slots` (server-context.cpp server_slot::to_json, as the real server
 * answered it, its `params` shortened): `{id, n_ctx, speculative, is_processing}`, and for a slot at work
 * its task, prompt counts, parameters and `next_token`.
 */
function slot(id: number, nCtx: number, state: SlotState): Record<string, unknown> {
  const base = { id, n_ctx: nCtx, speculative: false, is_processing: state.processing };
  if (!state.processing) return base;
  return {
    ...base,
    id_task: state.task,
    n_prompt_tokens: state.promptRead,
    n_prompt_tokens_processed: state.promptRead,
    n_prompt_tokens_cache: 0,
    params: { seed: 4294967295, temperature: 0.8, max_tokens: 256, n_predict: 256, stream: true, chat_format: "peg-native" },
    next_token: [{ has_next_token: true, has_new_line: false, n_remain: Math.max(0, 256 - state.decoded), n_decoded: state.decoded }],
  };
}

function props(alias: string, nCtx: number, supportsTools: boolean, template: { chatTemplate?: string | undefined; reasoningFormat?: string | undefined }): Record<string, unknown> {
  const chatTemplate = template.chatTemplate ?? CHATML;
  // What the real server (the llama.cpp of node-llama-cpp 3.21.1) says of a ChatML model run without reasoning arguments.
  const reasoning = { chat_format: "Content-only", reasoning_format: template.reasoningFormat ?? "none", reasoning_in_content: false };
  return {
    default_generation_settings: { params: { n_predict: -1, temperature: 0.8, top_k: 40, top_p: 0.95, ...reasoning }, n_ctx: nCtx },
    total_slots: 1,
    model_alias: alias,
    model_path: `/models/${alias}.gguf`,
    modalities: { vision: false, video: false, audio: false },
    endpoint_slots: true,
    endpoint_props: false,
    endpoint_metrics: false,
    chat_template: chatTemplate,
    chat_template_caps: {
      supports_object_arguments: false,
      supports_parallel_tool_calls: supportsTools,
      supports_preserve_reasoning: false,
      supports_reasoning_effort: false,
      supports_string_content: true,
      supports_system_role: true,
      supports_tool_calls: supportsTools,
      supports_tools: supportsTools,
      supports_typed_content: false,
    },
    bos_token: "<s>",
    eos_token: "</s>",
    is_sleeping: false,
  };
}

function models(ids: readonly string[], nCtx: number, parameters: number): Record<string, unknown> {
  return {
    models: ids.map((id) => ({ name: id, model: id, modified_at: "", size: "", digest: "", type: "model", description: "", tags: [""], capabilities: ["completion"], parameters: "", details: { format: "gguf" } })),
    object: "list",
    data: ids.map((id) => ({
      id,
      aliases: [id],
      tags: [],
      object: "model",
      created: 1767225600,
      owned_by: "llamacpp",
      meta: { vocab_type: 1, n_vocab: 512, n_ctx: nCtx, n_ctx_train: 2048, n_embd: 64, n_params: parameters, size: 1_185_376, ftype: "all F32" },
    })),
  };
}
