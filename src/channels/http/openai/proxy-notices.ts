import { effortOf } from "../../../ai/reasoning-efforts.js";
import type { AssistantMessage, CallOptions, Context, ImageDetail } from "../../../ai/types.js";
import { contextCutOff } from "../../../agent/cut-off-note.js";
import type { Catalogue } from "../../../gateway/port.js";
import { replyCapNotice } from "../../../models/reply-cap-notice.js";
import { detailsNotSent } from "./shared-fields.js";
import { reasoningShownNotice } from "../../../models/reasoning-shown-notice.js";
import { emptyAnswerNotice } from "../../../models/empty-answer-notice.js";

/** A proxied request and the model that answered it: what the reply says of how it was sent to that model. */
export interface Answered {
  options: CallOptions;
  context: Context;
  /** The request's name for `options.maxTokens`. */
  maxTokensField: string;
  /** The reply limit field set to -1 ("no limit"): the model's own maxTokens was sent. */
  noLimitField?: string | undefined;
  model: string;
  /** The answer: what its call says it sent of the reasoning level (reasoningSent). */
  message: AssistantMessage;
  /** The window the answering model was served with (its server's, where smaller than the config's). */
  window?: number | undefined;
}

/** What the reply says of the request as the answering model took it: its reply limit, reasoning, images and their detail; an answer with no word in it. */
export function answeredNotices(catalogue: Catalogue, answered: Answered): (string | undefined)[] {
  const entry = catalogue.models.find((candidate) => candidate.ref === answered.model);
  return [
    emptyAnswerNotice(answered.message, { name: entry?.alias ?? answered.model, limitField: answered.maxTokensField }),
    cappedNotice(catalogue, answered),
    noLimitNotice(catalogue, answered),
    reasoningSentNotice(answered),
    imagesLeftOut(catalogue, answered),
    effortNotSent(catalogue, answered),
    summaryNotSent(catalogue, answered),
    imageDetailNotSent(catalogue, answered),
    windowCutOff(catalogue, answered),
  ];
}

/**
 * The reasoning level asked went to the answering model as something else (its call says what and why):
 * a level its server takes instead, a budget the reply limit cut, no thinking on a Claude tool loop
 * whose signed thinking did not come back.
 */
function reasoningSentNotice(answered: Answered): string | undefined {
  const sent = answered.message.reasoningSent;
  const level = answered.options.reasoning;
  if (!sent || level === undefined) return undefined;
  return `reasoning ${effortOf(level)} asked, ${sent.sent} sent to ${answered.model}: ${sent.why}`;
}

/** A reasoning summary the request asked (concise, detailed) of a model whose API has none, or that does not reason. */
function summaryNotSent(catalogue: Catalogue, answered: Answered): string | undefined {
  const summary = answered.options.reasoningSummary;
  const entry = catalogue.models.find((candidate) => candidate.ref === answered.model);
  if (summary === undefined || summary === "auto" || !entry) return undefined;
  const name = entry.alias ?? entry.ref;
  if (entry.spec.api !== "openai-responses") return `not sent on: reasoning.summary "${summary}" — ${name}'s API (${entry.spec.api}) has no reasoning summaries: its reasoning comes back as the server gives it`;
  return entry.spec.reasoning ? undefined : `not sent on: reasoning.summary "${summary}" — ${name} is not configured to reason (reasoning: true in its models entry)`;
}

/**
 * The detail the request asked of its images, where the answering model's API has no place for it:
 * Anthropic's image blocks and Ollama's `images` have none, Chat Completions has no "original" (the
 * Responses API's). Said of a model that reads images (one that does not is told of by imagesLeftOut).
 */
function imageDetailNotSent(catalogue: Catalogue, answered: Answered): string | undefined {
  const entry = catalogue.models.find((candidate) => candidate.ref === answered.model);
  if (!entry || !entry.spec.input.includes("image") || entry.spec.api === "openai-responses") return undefined;
  const { api } = entry.spec;
  const asked = answered.context.messages.flatMap((message): ImageDetail[] => (message.role === "user" && Array.isArray(message.content) ? message.content.flatMap((part) => (part.type === "image" && part.detail !== undefined && part.detail !== "auto" ? [part.detail] : [])) : []));
  const lost = api === "openai-completions" ? asked.filter((detail) => detail === "original") : asked;
  const name = entry.alias ?? entry.ref;
  return detailsNotSent(lost, api === "openai-completions" ? `${name}'s API (openai-completions) has no "original" detail (the Responses API's): the server's default was used` : `${name}'s API (${api}) has no image detail: the server's default was used`);
}

/**
 * An answer stopped for length below its reply limit, because the prompt and the answer filled the model's
 * context window: said as agent mode says it (cut-off-note), since finish_reason "length" alone reads as
 * the client's own max_tokens. An answer its reply limit cut needs no word: the client set or was told it.
 */
function windowCutOff(catalogue: Catalogue, answered: Answered): string | undefined {
  const { message: ended, window } = answered;
  const spec = catalogue.models.find((candidate) => candidate.ref === answered.model)?.spec;
  if (ended.stopReason !== "length" || !spec || window === undefined) return undefined;
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

/** A reply limit of -1 ("no limit", LM Studio's): the answering model was sent its own maxTokens, the most it is ever sent. */
function noLimitNotice(catalogue: Catalogue, answered: Answered): string | undefined {
  const spec = catalogue.models.find((candidate) => candidate.ref === answered.model)?.spec;
  if (answered.noLimitField === undefined || !spec) return undefined;
  return `${answered.noLimitField} -1 ("no limit") asked: ${spec.maxTokens} sent to ${answered.model}, its own limit (its maxTokens in the config; raise it there for longer replies)`;
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

/** The answer's text turned out to begin with reasoning, ended by an orphan `</think>`: a stream showed it as text (see reasoningShownNotice). */
export function shownReasoningNotice(catalogue: Catalogue, message: AssistantMessage): string | undefined {
  const entry = catalogue.models.find((candidate) => candidate.ref === message.model);
  return reasoningShownNotice(message, { name: entry?.alias ?? message.model, spec: entry?.spec });
}
