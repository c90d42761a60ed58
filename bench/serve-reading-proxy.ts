// The floor of a proxy that reads what it passes on, for the gateway benchmark: like bench/serve-proxy.ts a
// Node reverse proxy in its own process in front of the upstream (argv[2]), but built the way hearth must be
// to keep reasoning apart from the answer, mask an echoed key and watch the first token and the gaps: it
// always asks the upstream for a stream (with usage), parses every server-sent event (eventsource-parser,
// JSON.parse, as hearth does) and writes what it read — each chunk again as its own event to a streaming
// client, one chat.completion to a non-streaming one. No routing, failover, masking, logging or notices:
// what it adds over the bare proxy is the price of reading the stream; what hearth adds over it, the price
// of everything else. Prints its URL on the first line of stdout and exits when stdin ends.
import { createParser } from "eventsource-parser";
import http from "node:http";
import { serveOnLoopback } from "./serve-loopback.js";

const upstream = new URL(process.argv[2] ?? "");
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

interface Chunk {
  id?: string;
  model?: string;
  created?: number;
  choices?: { delta?: { content?: string | null }; finish_reason?: string | null }[];
  usage?: unknown;
}

const server = http.createServer((req, res) => {
  const pieces: Buffer[] = [];
  req.on("data", (piece: Buffer) => pieces.push(piece));
  req.on("end", () => {
    const asked = JSON.parse(Buffer.concat(pieces).toString("utf8")) as Record<string, unknown>;
    const streaming = asked.stream === true;
    const body = JSON.stringify({ ...asked, stream: true, stream_options: { include_usage: true } });
    const outgoing = http.request(
      { host: upstream.hostname, port: upstream.port, path: req.url, method: "POST", agent, headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) } },
      (answer) => {
        if (answer.statusCode !== 200) {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
          return;
        }
        if (streaming) res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
        let text = "";
        let last: Chunk = {};
        let finish: string | null = null;
        let usage: unknown;
        const parser = createParser({
          onEvent: (event) => {
            if (event.data === "[DONE]") return;
            const chunk = JSON.parse(event.data) as Chunk;
            last = chunk;
            const choice = chunk.choices?.[0];
            text += choice?.delta?.content ?? "";
            finish = choice?.finish_reason ?? finish;
            if (chunk.usage) usage = chunk.usage;
            if (streaming) res.write(`data: ${JSON.stringify(chunk)}\n\n`);
          },
        });
        answer.setEncoding("utf8");
        answer.on("data", (piece: string) => parser.feed(piece));
        answer.on("end", () => {
          if (streaming) return void res.end("data: [DONE]\n\n");
          const reply = JSON.stringify({
            id: last.id,
            object: "chat.completion",
            created: last.created,
            model: last.model,
            choices: [{ index: 0, message: { role: "assistant", content: text }, finish_reason: finish }],
            usage,
          });
          res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(reply) }).end(reply);
        });
      },
    );
    outgoing.on("error", () => res.destroy());
    outgoing.end(body);
  });
});
serveOnLoopback(server, agent);
