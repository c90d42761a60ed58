// A lean fake OpenAI Chat Completions server in its own process, for the gateway benchmark: POST
// /v1/chat/completions answers a stream when the body asks for one (`"stream":true`, found without
// parsing the body, so a long session's request costs this server almost nothing more), else one JSON
// completion, with the same text either way. Like a model server, it makes the answer one token per
// turn of its event loop whether it streams it or not: a non-streaming answer comes when the last
// token is made (a real server does not answer faster for not streaming). A request with
// `x-bench-instant: 1` gets its non-streaming answer at once instead, for the bench to show that
// difference too. Model "paced" streams the same answer at a model's pace, a token every 20 ms (50
// tokens a second, as a hosted model or a fast local one streams). GET /v1/models lists "m" and
// "paced". Prints its URL on the first line of stdout and exits when stdin ends.
import { createServer } from "node:http";
import { serializeSseFrame } from "../test/fakes/fake-server.js";
import { completionsStream } from "../test/fakes/openai-completions-stream.js";
import { serveOnLoopback } from "./serve-loopback.js";

/** A token every 20 ms: 50 tokens a second. */
const PACED_TOKEN_MS = 20;
const text = "lorem ipsum dolor sit amet ".repeat(Number(process.argv[2] ?? 3)).trim();
const usage = { input: 10, output: 20 };
const frames = completionsStream({ model: "m", text, chunkSize: 4, usage }).map(serializeSseFrame);
const completion = JSON.stringify({
  id: "chatcmpl-bench",
  object: "chat.completion",
  created: 1_700_000_000,
  model: "m",
  choices: [{ index: 0, message: { role: "assistant", content: text, refusal: null }, logprobs: null, finish_reason: "stop" }],
  usage: { prompt_tokens: usage.input, completion_tokens: usage.output, total_tokens: usage.input + usage.output },
});
const models = JSON.stringify({ object: "list", data: ["m", "paced"].map((id) => ({ id, object: "model", created: 1_700_000_000, owned_by: "bench" })) });

const server = createServer((req, res) => {
  let body = "";
  req.setEncoding("utf8");
  req.on("data", (chunk: string) => (body += chunk));
  req.on("end", () => {
    if (req.method === "GET" && req.url === "/v1/models") {
      res.writeHead(200, { "content-type": "application/json" }).end(models);
      return;
    }
    if (req.method !== "POST" || req.url !== "/v1/chat/completions") {
      res.writeHead(404, { "content-type": "application/json" }).end('{"error":{"message":"not found"}}');
      return;
    }
    if (!/"stream"\s*:\s*true/.test(body)) {
      if (req.headers["x-bench-instant"] === "1") return void res.writeHead(200, { "content-type": "application/json" }).end(completion);
      // The same tokens made at the same pace as a stream's, then the answer in one piece.
      let made = 0;
      const generate = (): void => {
        if (res.destroyed) return;
        if (++made < frames.length) return void setImmediate(generate);
        res.writeHead(200, { "content-type": "application/json" }).end(completion);
      };
      generate();
      return;
    }
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    res.flushHeaders();
    // One frame per turn of the event loop, as a model server writes tokens as they come; for model
    // "paced", one every PACED_TOKEN_MS (a model's pace).
    const later = /"model"\s*:\s*"paced"/.test(body) ? (next: () => void) => setTimeout(next, PACED_TOKEN_MS) : setImmediate;
    let next = 0;
    const write = (): void => {
      if (res.destroyed) return;
      if (next === frames.length) return void res.end();
      res.write(frames[next++]);
      later(write);
    };
    write();
  });
});
serveOnLoopback(server);
