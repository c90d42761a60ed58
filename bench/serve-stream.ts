// A fake model server in its own process (like a real LM Studio), for benchmarks: answers every POST
// with the same stream of the protocol named in argv[2]; prints its URL on the first line of stdout.
import { startFakeServer, type Reply } from "../test/fakes/fake-server.js";
import { anthropicStream } from "../test/fakes/anthropic-messages-stream.js";
import { completionsStream } from "../test/fakes/openai-completions-stream.js";
import { responsesStream } from "../test/fakes/openai-responses-stream.js";

const protocol = process.argv[2];
const text = "lorem ipsum dolor sit amet ".repeat(Number(process.argv[3] ?? 75));
const usage = { input: 10, output: 500 };
const replies: Record<string, Reply> = {
  "openai-responses": { kind: "sse", frames: responsesStream({ flavor: "lmstudio", text, chunkSize: 4, usage }) },
  "openai-completions": { kind: "sse", frames: completionsStream({ text, chunkSize: 4, usage }) },
  "anthropic-messages": { kind: "sse", frames: anthropicStream({ text, chunkSize: 4, usage }) },
};
const reply = replies[protocol ?? ""];
if (!reply) {
  console.error(`unknown protocol ${protocol}`);
  process.exit(2);
}
const server = await startFakeServer(() => reply);
console.log(server.url);
process.stdin.resume();
process.stdin.on("end", () => void server.close().then(() => process.exit(0)));
