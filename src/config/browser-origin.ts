/** The schemes whose origin the URL standard serialises itself (host lowercased, IDN to punycode, IPv6 compressed, default port left out). */
const SPECIAL_SCHEMES: ReadonlySet<string> = new Set(["http", "https", "ws", "wss", "ftp"]);

/** `scheme://host[:port]`: a host name (no user, path, query or fragment) or an IPv6 address in brackets. */
const ORIGIN_SHAPE = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/(\[[0-9A-Fa-f:.]+\]|[^\s/?#@:[\]]+)(?::(\d{1,5}))?$/;

/**
 * A configured origin read as a browser sends it (WHATWG URL, "serialization of an origin"):
 * `scheme://host[:port]`, scheme and host lowercased, without its scheme's default port — the
 * gateway compares the Origin header with it exactly. Any scheme an app registers as standard counts
 * (`app://obsidian.md`, `vscode-webview://…`, `chrome-extension://…`); `null` and `file:` never do.
 * `problem`: why a browser would never send it, in the words of a config error.
 */
export function readOrigin(value: string): { origin: string } | { problem: string } {
  if (value.trim().toLowerCase() === "null" || /^file:/i.test(value)) {
    return { problem: `"${value}" cannot be allowed: a browser sends Origin: null for every sandboxed iframe (on any website) and every file:// page, so allowing it would let any site's frame run turns as you; set gateway.auth.token and have the client send it (a request with Origin: null passes with the token), or call the gateway from the app's own process, which sends no Origin` };
  }
  const shapeProblem = { problem: `must be an origin such as "http://localhost:5173" or "app://obsidian.md" (scheme://host[:port], no path), got "${value}"` };
  const match = ORIGIN_SHAPE.exec(value);
  if (!match) return shapeProblem;
  const [, scheme = "", host = "", port] = match;
  if (port !== undefined && Number(port) > 65_535) return { problem: `the port of "${value}" is past 65535` };
  const lowerScheme = scheme.toLowerCase();
  if (!SPECIAL_SCHEMES.has(lowerScheme)) return { origin: `${lowerScheme}://${host.toLowerCase()}${port === undefined ? "" : `:${Number(port)}`}` };
  // An http(s) origin as the browser's own parser serialises it; a host it refuses (`exa%mple`) never comes as an Origin.
  try {
    return { origin: new URL(value).origin };
  } catch {
    return shapeProblem;
  }
}

/** Why a browser would never send `value` as its `Origin` (undefined: it may, spelled as readOrigin gives it). */
export function originProblem(value: string): string | undefined {
  const read = readOrigin(value);
  return "problem" in read ? read.problem : undefined;
}

/** `value` as the browser spells it (readOrigin), or itself when no browser sends it (the config refuses it then). */
export function browserOrigin(value: string): string {
  const read = readOrigin(value);
  return "origin" in read ? read.origin : value;
}

/** What a request's `Origin: null` comes from, and why no setting can let it in (the 403 and docs/gateway.md say it). */
export const NULL_ORIGIN_WORDS = "a browser sends Origin: null for a sandboxed iframe on any website and for a file:// page, so it names no page that could be trusted";
