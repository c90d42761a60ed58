import type OpenAI from "openai";

/** A Chat Completions delta as hearth streams it: the reasoning in `reasoning_content` beside the text. */
type Delta = OpenAI.ChatCompletionChunk.Choice.Delta & { reasoning_content?: string };

/** Streams one Chat Completions request through `client` and joins what came: the text and the reasoning, each whole. */
export async function chatStreamParts(client: OpenAI, request: { model: string; messages: OpenAI.ChatCompletionMessageParam[]; headers?: Record<string, string> }): Promise<{ text: string; reasoning: string }> {
  const stream = await client.chat.completions.create({ model: request.model, messages: request.messages, stream: true }, { headers: request.headers ?? {} });
  let text = "";
  let reasoning = "";
  for await (const chunk of stream) {
    const delta = chunk.choices[0]?.delta as Delta | undefined;
    text += delta?.content ?? "";
    reasoning += delta?.reasoning_content ?? "";
  }
  return { text, reasoning };
}
