/** The ports a browser leaves out of an origin: the scheme's default (WHATWG URL's special schemes). */
const DEFAULT_PORTS: Readonly<Record<string, string>> = { http: "80", https: "443", ws: "80", wss: "443" };

/** `scheme://host[:port]`: a host name (no user, path, query or fragment) or an IPv6 address in brackets. */
const ORIGIN_SHAPE = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/(\[[0-9A-Fa-f:.]+\]|[^\s/?#@:[\]]+)(?::(\d{1,5}))?$/;

/**
 * Why a browser would never send `value` as its `Origin` (undefined: it may), in the words of a
 * config error. The gateway compares the Origin header exactly, so an origin is written as a browser
 * serialises it (WHATWG URL, "serialization of an origin"): `scheme://host[:port]`, scheme and host
 * lowercased, without its scheme's default port. Any scheme an app registers as standard counts —
 * `app://obsidian.md`, `vscode-webview://…`, `chrome-extension://…` — but not `null`.
 */
export function originProblem(value: string): string | undefined {
  if (value.trim().toLowerCase() === "null" || /^file:/i.test(value)) {
    return `"${value}" cannot be allowed: a browser sends Origin: null for every sandboxed iframe (on any website) and every file:// page, so allowing it would let any site's frame run turns as you; set gateway.auth.token and have the client send it (a request with Origin: null passes with the token), or call the gateway from the app's own process, which sends no Origin`;
  }
  const match = ORIGIN_SHAPE.exec(value);
  if (!match) return `must be an origin such as "http://localhost:5173" or "app://obsidian.md" (scheme://host[:port], no path), got "${value}"`;
  const [, scheme = "", host = "", port] = match;
  if (port !== undefined && Number(port) > 65_535) return `the port of "${value}" is past 65535`;
  const lowerScheme = scheme.toLowerCase();
  const keptPort = port === undefined || DEFAULT_PORTS[lowerScheme] === String(Number(port)) ? "" : `:${Number(port)}`;
  const serialised = `${lowerScheme}://${host.toLowerCase()}${keptPort}`;
  return serialised === value ? undefined : `write "${value}" as a browser sends it, "${serialised}": the gateway compares the Origin header exactly`;
}

/** What a request's `Origin: null` comes from, and why no setting can let it in (the 403 and docs/gateway.md say it). */
export const NULL_ORIGIN_WORDS = "a browser sends Origin: null for a sandboxed iframe on any website and for a file:// page, so it names no page that could be trusted";
