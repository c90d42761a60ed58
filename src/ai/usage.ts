import type { ModelCost } from "./api.js";
import type { AssistantMessage, Context, Message, Usage } from "./types.js";

export const emptyUsage = (): Usage => ({ input: 0, output: 0, cacheRead: 0, cacheWrite: 0, reasoning: 0, estimated: false });

/**
 * What a call that failed is known to have used: the server's counts when it gave them, the estimate
 * when the model had begun to answer (the server read the prompt then), nothing when no word came (a
 * refused or unreachable call: the partial's estimate of the prompt is not what it cost).
 */
export function usedBeforeFailing(partial: AssistantMessage | undefined): Usage {
  if (!partial || (partial.usage.estimated && partial.content.length === 0)) return emptyUsage();
  return { ...partial.usage };
}

/** Whether a call used any tokens (a failed one that never began to answer used none). */
export function spentAny(usage: Usage): boolean {
  return usage.input + usage.output + usage.cacheRead + usage.cacheWrite > 0;
}

/** `total` plus `add`, in place (a turn's calls summed). */
export function addUsage(total: Usage, add: Usage): void {
  total.input += add.input;
  total.output += add.output;
  total.cacheRead += add.cacheRead;
  total.cacheWrite += add.cacheWrite;
  total.reasoning += add.reasoning;
  total.estimated ||= add.estimated;
}

/** About four characters a token for English prose and code: an estimate, marked as one. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/** The prompt's size when the server does not say: system prompt, messages and tool schemas. */
export function estimateContextTokens(context: Context): number {
  let characters = fixedCharacters(context);
  for (const message of context.messages) characters += messageCharacters(message);
  return Math.ceil(characters / 4);
}

/** The characters {@link estimateContextTokens} counts for the system prompt and the tool schemas. */
export function fixedCharacters(context: Pick<Context, "systemPrompt" | "tools">): number {
  let characters = context.systemPrompt?.length ?? 0;
  for (const tool of context.tools ?? []) characters += tool.name.length + tool.description.length + JSON.stringify(tool.parameters).length;
  return characters;
}

/** The characters {@link estimateContextTokens} counts for one message, its framing included. */
export function messageCharacters(message: Message): number {
  let characters = 16; // role and framing
  if (message.role === "user") {
    characters += typeof message.content === "string" ? message.content.length : message.content.reduce((sum, part) => sum + (part.type === "text" ? part.text.length : 3000), 0);
  } else if (message.role === "assistant") {
    for (const part of message.content) {
      characters += part.type === "tool-call" ? part.name.length + part.rawArguments.length : part.text.length;
    }
  } else {
    characters += message.content.length + message.toolName.length;
  }
  return characters;
}

/** US dollars for a usage at per-million-token prices. */
export function costOf(usage: Usage, cost: ModelCost): number {
  return (usage.input * cost.input + usage.output * cost.output + usage.cacheRead * cost.cacheRead + usage.cacheWrite * cost.cacheWrite) / 1_000_000;
}
