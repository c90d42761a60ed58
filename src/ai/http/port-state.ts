import { connect } from "node:net";

/** What one TCP connect to a server's port found: nothing listens (`refused`), something does (`open`), or no answer in time (`unknown`). */
export type PortState = "refused" | "open" | "unknown";

/** The default ports of a URL's protocols, where the URL names none. */
const DEFAULT_PORTS: Record<string, number> = { "http:": 80, "https:": 443 };

/**
 * One TCP connect to the host and port of `url`, closed at once (no request is sent): whether a server
 * still listens there. A refusal is the kernel's answer for a port nobody listens on (a server stopped or
 * crashed); a server that is alive but hung still accepts (its kernel does), so it is `open`. Never rejects.
 */
export function portState(url: string, options: { timeoutMs: number }): Promise<PortState> {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return Promise.resolve("unknown");
  }
  const port = target.port === "" ? DEFAULT_PORTS[target.protocol] : Number(target.port);
  if (port === undefined) return Promise.resolve("unknown");
  // The URL's brackets around an IPv6 address are not part of the address.
  const host = target.hostname.replace(/^\[(.*)\]$/, "$1");
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (state: PortState): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(state);
    };
    const timer = setTimeout(() => done("unknown"), options.timeoutMs);
    socket.once("connect", () => done("open"));
    socket.once("error", (error: NodeJS.ErrnoException) => done(error.code === "ECONNREFUSED" ? "refused" : "unknown"));
  });
}
