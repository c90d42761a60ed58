import { thinkingLeftOut } from "../../../ai/claude-thinking.js";
import type { CallOptions, Context, StopReason, Usage } from "../../../ai/types.js";
import { contextCutOff } from "../../../agent/cut-off-note.js";
import type { Catalogue } from "../../../gateway/port.js";
import { replyCapNotice } from "../../../models/reply-cap-notice.js";

/** A proxied request and the model that answered it: what the reply says of how it was sent to that model. */
export interface Answered {
  options: CallOptions;
  context: Context;
  /** The request's name for `options.maxTokens`. */
  maxTokensField: string;
  model: string;
  /** How the answer ended, and what it took (the prompt and the answer): a context that ran out is said. */
  ended?: { stopReason: StopReason; usage: Usage } | undefined;
  /** The window the answering model was served with (its server's, where smaller than the config's). */
  window?: number | undefined;
}

/** What the reply says of the request as the answering model took it: its reply limit, thinking, images, reasoning effort. */
export function answeredNotices(catalogue: Catalogue, answered: Answered): (string | undefined)[] {
  return [cappedNotice(catalogue, answered), thinklessNotice(catalogue, answered), imagesLeftOut(catalogue, answered), effortNotSent(catalogue, answered), windowCutOff(catalogue, answered)];
}

/**
 * An answer stopped for length below its reply limit, because the prompt and the answer filled the model's
 * context window: said as agent mode says it (cut-off-note), since finish_reason "length" alone reads as
 * the client's own max_tokens. An answer its reply limit cut needs no word: the client set or was told it.
 */
function windowCutOff(catalogue: Catalogue, answered: Answered): string | undefined {
  const { ended, window } = answered;
  const spec = catalogue.models.find((candidate) => candidate.ref === answered.model)?.spec;
  if (ended?.stopReason !== "length" || !spec || window === undefined) return undefined;
  // The limit the request carried: the client's max_tokens, never above the model's maxTokens (the adapters cap it there).
  const replyLimit = Math.min(answered.options.maxTokens ?? spec.maxTokens, spec.maxTokens);
  return contextCutOff({ usage: ended.usage, replyLimit, window }, "send fewer or shorter messages, or load the model with a larger context");
}

/** A reasoning effort the request asked of a model not configured to reason: nothing of it was sent. */
function effortNotSent(catalogue: Catalogue, answered: Answered): string | undefined {
  const level = answered.options.reasoning;
  const entry = catalogue.models.find((candidate) => candidate.ref === answered.model);
  if (level === undefined || level === "off" || !entry || entry.spec.reasoning) return undefined;
  return `reasoning ${level} asked: ${entry.alias ?? entry.ref} is not configured to reason (reasoning: true in its models entry), so no reasoning effort was sent to it`;
}

/** The client's reply limit where the answering model was sent less, its maxTokens in the config (the adapters cap at it). */
function cappedNotice(catalogue: Catalogue, answered: Answered): string | undefined {
  const asked = answered.options.maxTokens;
  const spec = catalogue.models.find((candidate) => candidate.ref === answered.model)?.spec;
  if (asked === undefined || !spec) return undefined;
  return replyCapNotice({ field: answered.maxTokensField, asked, sent: Math.min(asked, spec.maxTokens), model: answered.model, reason: { by: "config" } });
}

/** A Claude answered a tool loop's results without the thinking asked: the thinking it signed for the turn did not come back (see unsignedToolLoop). */
function thinklessNotice(catalogue: Catalogue, answered: Answered): string | undefined {
  const spec = catalogue.models.find((candidate) => candidate.ref === answered.model)?.spec;
  const { options, context } = answered;
  if (spec?.api !== "anthropic-messages" || !thinkingLeftOut({ model: spec, options, messages: context.messages })) return undefined;
  return `reasoning ${options.reasoning ?? ""} asked, no thinking sent to ${answered.model}: the tool results go on a turn whose signed thinking did not come back, and Anthropic takes thinking there only with it (Chat Completions has no place for it; the Responses API keeps it as reasoning.encrypted_content)`;
}

/**
 * The request's images, where the model that answered reads text only (each was sent as a line saying it was left out):
 * said, with up to three models of the config that read images, so the client can name one.
 */
function imagesLeftOut(catalogue: Catalogue, answered: Answered): string | undefined {
  const entry = catalogue.models.find((candidate) => candidate.ref === answered.model);
  if (!entry || entry.spec.input.includes("image")) return undefined;
  const images = answered.context.messages.reduce((count, message) => count + (message.role === "user" && Array.isArray(message.content) ? message.content.filter((part) => part.type === "image").length : 0), 0);
  if (images === 0) return undefined;
  const readers = catalogue.models.filter((model) => model.listed && model.spec.input.includes("image")).slice(0, 3).map((model) => model.alias ?? model.ref);
  return `${entry.alias ?? entry.ref} reads text only: the request's ${images === 1 ? "image was" : `${images} images were`} left out${readers.length > 0 ? ` (models that read images: ${readers.join(", ")} — name one to send them)` : ""}`;
}
