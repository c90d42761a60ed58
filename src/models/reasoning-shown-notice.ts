import type { ModelSpec } from "../ai/model-spec.js";
import { knownToReason } from "../ai/think-habits.js";
import { THINK_TAGS, TAG_SPELLINGS } from "../ai/think-spellings.js";
import type { AssistantMessage } from "../ai/types.js";

/**
 * What a reply says when its text turned out to begin with reasoning, ended by an orphan `</think>` or
 * another spelling's close, named as the model wrote it (`AssistantMessage.reasoningFromText`): what a stream showed as text cannot be taken back, so the
 * user is told what was done — the answer is the text after the tag, the reasoning is kept apart (in the
 * session, in a whole reply's reasoning), and the model's next answers on its server are split as they
 * stream — and, for a model not configured to reason, the setting that splits them from the first.
 * `name`: the model as the turn's other notices name it (its alias, else its ref).
 */
export function reasoningShownNotice(message: Pick<AssistantMessage, "reasoningFromText" | "reasoningEndTag">, model: { name: string; spec: ModelSpec | undefined }): string | undefined {
  if (message.reasoningFromText !== true) return undefined;
  const setting = model.spec && !knownToReason(model.spec) ? `; reasoning: true in its models entry splits them from the first` : "";
  const tag = message.reasoningEndTag?.replace(/[ \t]+/g, "") ?? THINK_TAGS.close;
  const open = (TAG_SPELLINGS.find((spelling) => spelling.close === tag) ?? THINK_TAGS).open;
  return `${model.name} began its answer with its reasoning, ended by ${tag} (its chat template opens ${open} in the prompt): the answer is the text after the tag, and the reasoning is kept apart — a stream showed it as text this once. Its next answers on this server are split as they stream${setting}`;
}
