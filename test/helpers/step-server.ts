import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { ProviderAdapter } from "../../src/ai/adapter.js";
import type { ModelSpec } from "../../src/ai/model-spec.js";
import type { CallOptions, Context, StreamEvent } from "../../src/ai/types.js";

/** One piece of a streamed body; `token`: it carries a text token the client should show before the next piece is sent. */
export interface StepChunk {
  data: string;
  token?: boolean;
}

/** How one reply went: its text, its text-delta events, and for each token piece whether its delta arrived before the server went on. */
export interface StepOutcome {
  events: StreamEvent[];
  text: string;
  deltas: number;
  /** One entry per token piece: true when the client had shown it before the next piece was written. */
  shownInStep: boolean[];
}

/**
 * A server that streams a reply one piece at a time and, after each piece with a token, waits until the
 * client shows a text delta for it — or, for a client that holds the text back, `patienceMs` of real time —
 * before it sends the next: a reply that streams is seen to, one held back is seen not to (and the rest of
 * it goes without waiting). No timing is asserted: the patience only keeps a held reply from waiting forever.
 * Every held reply costs it once; a client in the same process that streams shows its delta within milliseconds.
 */
export async function startStepServer(options: { contentType: string; patienceMs?: number }): Promise<{
  url: string;
  requests: Record<string, unknown>[];
  /** What `GET /props` answers (llama.cpp's settings), undefined: 404; `propsAsked` counts the asks. */
  props: unknown;
  propsAsked: number;
  run(adapter: ProviderAdapter, model: ModelSpec, chunks: readonly StepChunk[], call?: { context?: Context; options?: CallOptions }): Promise<StepOutcome>;
  close(): Promise<void>;
}> {
  const patienceMs = options.patienceMs ?? 500;
  const requests: Record<string, unknown>[] = [];
  let current: { chunks: readonly StepChunk[]; shownInStep: boolean[] } | undefined;
  let deltas = 0;
  const waiters: (() => void)[] = [];
  const shown = (count: number): Promise<boolean> =>
    new Promise((resolve) => {
      if (deltas >= count) return resolve(true);
      const timer = setTimeout(() => resolve(false), patienceMs);
      const check = (): void => {
        if (deltas < count) return void waiters.push(check);
        clearTimeout(timer);
        resolve(true);
      };
      waiters.push(check);
    });
  const server: Server = createServer((req, res) => {
    if (req.method === "GET") {
      if (req.url !== "/props" || handle.props === undefined) return void res.writeHead(404).end();
      handle.propsAsked += 1;
      return void res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(handle.props));
    }
    const body: Buffer[] = [];
    req.on("data", (chunk: Buffer) => body.push(chunk));
    req.on("end", () => {
      requests.push(JSON.parse(Buffer.concat(body).toString("utf8")) as Record<string, unknown>);
      const reply = current;
      if (!reply) return void res.writeHead(500).end();
      res.writeHead(200, { "content-type": options.contentType });
      res.flushHeaders();
      void (async () => {
        let tokens = 0;
        let holding = false;
        for (const chunk of reply.chunks) {
          await new Promise<void>((resolve) => res.write(chunk.data, () => resolve()));
          if (!chunk.token) continue;
          tokens += 1;
          // Once a piece was not shown, the client holds the text: the rest goes without waiting again.
          const inStep: boolean = !holding && (await shown(tokens));
          holding = !inStep;
          reply.shownInStep.push(inStep);
        }
        res.end();
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const handle = {
    url,
    requests,
    props: undefined as unknown,
    propsAsked: 0,
    async run(adapter: ProviderAdapter, model: ModelSpec, chunks: readonly StepChunk[], call: { context?: Context; options?: CallOptions } = {}): Promise<StepOutcome> {
      const reply = { chunks, shownInStep: [] as boolean[] };
      current = reply;
      deltas = 0;
      const events: StreamEvent[] = [];
      const context = call.context ?? { messages: [{ role: "user", content: "hi" }] };
      for await (const event of adapter.stream(model, context, call.options ?? { timeouts: { connectMs: 2_000, firstByteMs: 10_000, idleMs: 10_000 } })) {
        events.push(event);
        if (event.type === "text-delta") {
          deltas += 1;
          for (const waiter of waiters.splice(0)) waiter();
        }
      }
      return { events, text: events.map((event) => (event.type === "text-delta" ? event.delta : "")).join(""), deltas, shownInStep: reply.shownInStep };
    },
    close: (): Promise<void> =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return handle;
}
