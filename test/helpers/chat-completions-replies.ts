// Upstream chat-completions answers for a fake server to send, each as raw bytes the test can name:
// recorded captures (test/fixtures/captures/, see its README), frames made by the fake's own stream
// builder, and content deltas cut where the test wants them.
import { readFileSync } from "node:fs";
import { serializeSseFrame, type Reply } from "../fakes/fake-server.js";
import { completionsStream } from "../fakes/openai-completions-stream.js";

const CAPTURES = new URL("../fixtures/captures/", import.meta.url);

/** A capture's body cut after each blank line: one write per SSE frame, the bytes unchanged. */
export function recorded(file: string): Reply {
  const body = readFileSync(new URL(file, CAPTURES)).toString("utf8");
  const chunks = body.split(/(?<=\n\n)/).filter((piece) => piece !== "");
  return { kind: "raw", headers: { "content-type": "text/event-stream" }, chunks };
}

/** A `.chunks.txt` capture: one JSON payload a line, each sent as its own frame, then [DONE]. */
export function dataLines(file: string): Reply {
  const lines = readFileSync(new URL(file, CAPTURES), "utf8").split("\n").filter((line) => line.trim() !== "");
  return { kind: "sse", frames: [...lines.map((data) => ({ data })), { data: "[DONE]" }] };
}

/** `completionsStream`'s frames, each written as its own chunk. */
export const frames = (spec: Parameters<typeof completionsStream>[0]): Reply => ({ kind: "raw", headers: { "content-type": "text/event-stream" }, chunks: completionsStream(spec).map(serializeSseFrame) });

/** Content deltas as given, in chat-completions frames, then a finish and [DONE] (or, with "reset", the connection dropped after the last). */
export function contentPieces(pieces: readonly string[], after: "end" | "reset" = "end"): Reply {
  const chunk = (delta: object, finish: string | null = null): string => `data: ${JSON.stringify({ id: "c1", object: "chat.completion.chunk", created: 1, model: "m", choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
  const body = [chunk({ role: "assistant", content: "" }), ...pieces.map((content) => chunk({ content }))];
  if (after === "end") body.push(chunk({}, "stop"), "data: [DONE]\n\n");
  return { kind: "raw", headers: { "content-type": "text/event-stream" }, chunks: body, after };
}
