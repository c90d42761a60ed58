import { eventTooLong, MOST_EVENT_CHARACTERS } from "./sse.js";
import { Utf8Chunks } from "./utf8-chunks.js";

/**
 * Newline-delimited JSON (Ollama's streaming format: one JSON object a line) from a body's chunks,
 * as one batch of lines per chunk received. A line split across chunks is joined; blank lines are
 * skipped; a last line without its newline is still read. A line still open past `mostLineCharacters`
 * (default MOST_EVENT_CHARACTERS, as an SSE event) ends the read with a "stream-broken" failure.
 */
export async function* readNdjsonLines(body: AsyncIterable<Buffer>, options: { mostLineCharacters?: number } = {}): AsyncGenerator<string[]> {
  const decoder = new Utf8Chunks();
  const most = options.mostLineCharacters ?? MOST_EVENT_CHARACTERS;
  let carry = "";
  for await (const chunk of body) {
    carry += decoder.write(chunk);
    const end = carry.lastIndexOf("\n");
    if (carry.length - end - 1 > most) throw eventTooLong(most);
    if (end === -1) continue;
    const lines = carry.slice(0, end).split("\n").map((line) => line.trim()).filter((line) => line !== "");
    carry = carry.slice(end + 1);
    if (lines.length > 0) yield lines;
  }
  carry += decoder.end();
  if (carry.trim() !== "") yield [carry.trim()];
}
