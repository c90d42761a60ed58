// The floor of a process hop, for the gateway benchmark: a TCP relay in its own process that pipes each
// client connection's bytes to a connection of its own to the upstream (argv[2]) and back — no HTTP
// parsing at all. Beside bench/serve-proxy.ts (a bare HTTP proxy), it tells what one more process and
// two more loopback connections cost on this machine, apart from reading HTTP. Prints its URL on the
// first line of stdout and exits when stdin ends.
import net from "node:net";
import type { AddressInfo } from "node:net";

const upstream = new URL(process.argv[2] ?? "");
const sockets = new Set<net.Socket>();

const server = net.createServer((client) => {
  const outgoing = net.connect({ host: upstream.hostname, port: Number(upstream.port) });
  for (const socket of [client, outgoing]) {
    socket.setNoDelay(true);
    sockets.add(socket);
    socket.on("error", () => undefined);
    socket.once("close", () => {
      sockets.delete(socket);
      client.destroy();
      outgoing.destroy();
    });
  }
  client.pipe(outgoing);
  outgoing.pipe(client);
});
server.listen(0, "127.0.0.1", () => console.log(`http://127.0.0.1:${(server.address() as AddressInfo).port}`));
process.stdin.resume();
process.stdin.on("end", () => {
  for (const socket of sockets) socket.destroy();
  server.close(() => process.exit(0));
});
