// Fake model servers for the four reasoning variants the wire layer knows, each answering by script:
// Responses reasoning items (LM Studio), `reasoning_content`, inline `<think>…</think>`, and MiniMax's
// orphan `</think>` (reasoning, then the closing tag with no opening one, in the content); and the other
// spellings models write in the text (SPELLING_VARIANTS): Seed-OSS's orphan `</seed:think>` (its template
// opens `<seed:think>` in the prompt), Magistral's `[THINK]…[/THINK]`, `<thinking>…</thinking>`, and
// gpt-oss's harmony channels left unparsed (`<|channel|>analysis<|message|>…<|end|><|start|>assistant
// <|channel|>final<|message|>…<|return|>`, as llama.cpp streams them under `--reasoning-format none`).
import { startFakeServer, type FakeServer, type Handler } from "../fakes/fake-server.js";
import { completionsStream } from "../fakes/openai-completions-stream.js";
import { responsesStream } from "../fakes/openai-responses-stream.js";
import { conversationOf, lastUser, type Turn } from "../helpers/scripted-model.js";

export type SpellingVariant = "seed-orphan-think" | "magistral-think" | "thinking-tags" | "harmony";
export type ReasoningVariant = "responses-reasoning-items" | "reasoning_content" | "inline-think" | "orphan-think" | SpellingVariant;
export const REASONING_VARIANTS: readonly ReasoningVariant[] = ["responses-reasoning-items", "reasoning_content", "inline-think", "orphan-think"];
export const SPELLING_VARIANTS: readonly SpellingVariant[] = ["seed-orphan-think", "magistral-think", "thinking-tags", "harmony"];

/** The output of a model that writes its reasoning into the text in `variant`'s spelling. */
export function spelledOutput(variant: SpellingVariant, reasoning: string, answer: string): string {
  if (variant === "seed-orphan-think") return `${reasoning}</seed:think>\n\n${answer}`;
  if (variant === "magistral-think") return `[THINK]${reasoning}[/THINK]${answer}`;
  if (variant === "thinking-tags") return `<thinking>\n${reasoning}\n</thinking>\n\n${answer}`;
  return `<|channel|>analysis<|message|>${reasoning}<|end|><|start|>assistant<|channel|>final<|message|>${answer}<|return|>`;
}

/** Models that send an orphan closing tag are configured as reasoners. */
const ORPHANS: readonly ReasoningVariant[] = ["orphan-think", "seed-orphan-think"];

/** Every reasoning text holds this word: a sent message containing it leaked reasoning. */
export const REASONING_WORD = "PONDERING";

export function reasoningHandler(variant: ReasoningVariant, answer: (turns: Turn[]) => string): Handler {
  const api = variant === "responses-reasoning-items" ? "openai-responses" : "openai-completions";
  const path = api === "openai-responses" ? "/v1/responses" : "/v1/chat/completions";
  return (request) => {
    if (request.method !== "POST" || request.path !== path) return { kind: "json", status: 404, body: { error: "Unexpected endpoint or method." } };
    const turns = conversationOf(api, request.body as Record<string, unknown>);
    const text = answer(turns);
    const reasoning = `${REASONING_WORD} about "${lastUser(turns).split("\n")[0]}": the user wants a short answer. ${REASONING_WORD} done.`;
    const usage = { input: 100, output: 20 };
    if (variant === "responses-reasoning-items") return { kind: "sse", frames: responsesStream({ flavor: "lmstudio", reasoning, text, usage }) };
    if ((SPELLING_VARIANTS as readonly string[]).includes(variant)) return { kind: "sse", frames: completionsStream({ text: spelledOutput(variant as SpellingVariant, reasoning, text), usage, chunkSize: 3 }) };
    const field = variant === "inline-think" ? "think-tags" : variant === "orphan-think" ? variant : "reasoning_content";
    return { kind: "sse", frames: completionsStream({ text, reasoning, reasoningField: field, usage }) };
  };
}

/** A hearth config whose main agent talks to `server` with the variant's protocol (MiniMax marked a reasoner). */
export function variantConfig(variant: ReasoningVariant, server: FakeServer): string {
  const api = variant === "responses-reasoning-items" ? "openai-responses" : "openai-completions";
  const reasoning = ORPHANS.includes(variant) ? "true" : "false";
  return `{ agents: { defaults: { model: "local/m", privacy: "local-only" } },
    models: { mode: "replace", providers: { local: { baseUrl: "${server.baseUrl}", api: "${api}", models: [{ id: "m", reasoning: ${reasoning}, contextWindow: 32768, maxTokens: 4096 }] } } } }`;
}

export function startVariantServer(variant: ReasoningVariant, answer: (turns: Turn[]) => string): Promise<FakeServer> {
  return startFakeServer(reasoningHandler(variant, answer));
}
