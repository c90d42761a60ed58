// A plain HTTP relay on 127.0.0.1 in front of a real server: every request passed on as it came, every
// answer passed back as it came, and what was asked (method, path, the status answered) written down —
// to see what hearth asks a real server, which keeps no such record itself.
import { createServer, request as httpRequest } from "node:http";
import type { AddressInfo } from "node:net";

export interface Relayed {
  method: string;
  path: string;
  status: number;
}

export interface RecordingRelay {
  /** http://127.0.0.1:PORT */
  url: string;
  /** Every request relayed so far, in the order answered. */
  seen: Relayed[];
  close(): Promise<void>;
}

/** A relay to `target` (`http://host:port`); `onAnswer` hears each request as its answer's status comes back. */
export async function startRecordingRelay(target: string, onAnswer?: (relayed: Relayed, seen: readonly Relayed[]) => void): Promise<RecordingRelay> {
  const seen: Relayed[] = [];
  const { hostname, port } = new URL(target);
  const server = createServer((incoming, outgoing) => {
    const forward = httpRequest({ host: hostname, port, method: incoming.method, path: incoming.url, headers: incoming.headers }, (answer) => {
      const relayed = { method: incoming.method ?? "", path: (incoming.url ?? "").split("?")[0] ?? "", status: answer.statusCode ?? 0 };
      seen.push(relayed);
      onAnswer?.(relayed, seen);
      outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(outgoing);
    });
    forward.on("error", () => outgoing.destroy());
    incoming.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${address.port}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
