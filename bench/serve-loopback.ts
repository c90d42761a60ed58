// How the gateway benchmark's HTTP servers in their own process (bench/serve-chat.ts, serve-proxy.ts,
// serve-reading-proxy.ts) run: on 127.0.0.1, a free port, Nagle off (each write goes at once, as a
// model server's tokens do), the URL on the first line of stdout, and an exit once stdin ends.
import type http from "node:http";
import type { AddressInfo } from "node:net";

/** Serves `server` on loopback until stdin ends; then `agent` (the upstream connections, if any) is let go and the process exits. */
export function serveOnLoopback(server: http.Server, agent?: http.Agent): void {
  server.on("connection", (socket) => socket.setNoDelay(true));
  server.listen(0, "127.0.0.1", () => console.log(`http://127.0.0.1:${(server.address() as AddressInfo).port}`));
  process.stdin.resume();
  process.stdin.on("end", () => {
    agent?.destroy();
    server.closeAllConnections();
    server.close(() => process.exit(0));
  });
}
