// The floor of a proxy hop, for the gateway benchmark: a bare Node reverse proxy in its own process that
// forwards every request to the upstream (argv[2]) over kept-alive connections and pipes the answer
// back, streams included — no parsing, routing, logging or failover. What the gateway adds over
// straight-to-upstream, less what this adds, is the gateway's own cost; what this adds is the price of
// one more process and two more loopback connections on the machine. Prints its URL on the first line
// of stdout and exits when stdin ends.
import http from "node:http";
import { serveOnLoopback } from "./serve-loopback.js";

const upstream = new URL(process.argv[2] ?? "");
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

const server = http.createServer((req, res) => {
  const outgoing = http.request({ host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers, agent }, (answer) => {
    res.writeHead(answer.statusCode ?? 502, answer.headers);
    answer.pipe(res);
  });
  outgoing.on("error", () => res.destroy());
  req.pipe(outgoing);
});
serveOnLoopback(server, agent);
