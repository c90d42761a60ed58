import type { IncomingMessage } from "node:http";
import { isIP } from "node:net";
import type { MiddlewareHandler } from "hono";
import { NULL_ORIGIN_WORDS } from "../../config/browser-origin.js";
import { isLoopback } from "../../config/gateway-address.js";
import { tokenChangedWords, tokenCheck } from "./auth.js";
import { isPreflight } from "./cors.js";
import { errorBody } from "./errors.js";
import { hostPending, originPending, tokenAddedPending, type PendingSettings } from "./pending-settings.js";

export interface RequestGuardOptions {
  /** The address the gateway listens on (`gateway.bind`). */
  bind: string;
  /** Origins whose web pages may call the gateway (`gateway.cors.origins`), as a browser sends them (compared exactly). */
  corsOrigins?: readonly string[] | undefined;
  /** The gateway's token (`gateway.auth.token`): a request with `Origin: null` passes only carrying it. */
  token?: string | undefined;
  /** Further host names the gateway answers to (`gateway.allowedHosts`), such as "studio.local". */
  allowedHosts?: readonly string[] | undefined;
  /** The settings the config holds since a reload, applied at the next restart: a refusal whose fix is already there says so. */
  pending?: PendingSettings | undefined;
}

/** The names every gateway answers to: a browser on this machine reaches it by them. */
const LOOPBACK_NAMES = ["127.0.0.1", "localhost", "[::1]"];
/** Host headers whose verdict is kept; past this many (a scan of names) the memory starts again. */
const MAX_JUDGED_HOSTS = 64;
/** Paths anyone may call from anywhere: a service manager's liveness check. */
const OPEN_PATHS = new Set(["/health"]);

declare module "hono" {
  interface ContextVariableMap {
    /** An open path asked by a Host the gateway does not answer to: it says only whether it is alive (a rebound page learns nothing of it). */
    foreignHost?: true;
  }
}

/**
 * Keeps other websites out of a gateway that a browser on this machine can reach.
 *
 * - The `Host` header must name this gateway (421 otherwise): on a loopback bind only the loopback
 *   names; elsewhere also IP addresses; and the names in `gateway.allowedHosts`. A page on
 *   `evil.example` whose name the attacker points at 127.0.0.1 (DNS rebinding) would otherwise be
 *   "same origin" with the gateway and read every conversation.
 * - A request from a web page of another origin is refused (403): its `Origin` header names neither
 *   the gateway itself nor an origin of `gateway.cors.origins`, or, without `Origin`, it says
 *   `Sec-Fetch-Site: cross-site` or `same-site` (a page on another port of this machine). Browsers let any page send a "simple" POST (text/plain) anywhere, so
 *   without this a page could run turns on an untokened gateway. Clients that send no `Origin`
 *   (SDKs, curl, scripts) pass; so does a link from another site that opens a page (a top-level GET
 *   navigation: the user sees the answer, the other site does not).
 * - `Origin: null` names no page (a sandboxed iframe on any website sends it, and so does a file://
 *   page): no setting allows it. It passes only carrying the gateway's token, which no other site's
 *   page holds (a browser never adds a Bearer token by itself); its preflight (which carries no token)
 *   passes on a gateway that has one, for the request after it to be judged.
 */
export function requestGuard(options: RequestGuardOptions): MiddlewareHandler {
  const answersTo = hostJudge(options);
  const anyAddress = !isLoopback(options.bind);
  const origins = new Set(options.corsOrigins ?? []);
  const carriesToken = options.token === undefined ? undefined : tokenCheck(options.token);

  return async (c, next) => {
    const host = c.req.header("host");
    if (OPEN_PATHS.has(c.req.path)) {
      if (host !== undefined && !answersTo(host)) c.set("foreignHost", true);
      return next();
    }
    // A request without Host (HTTP/1.0) comes from no browser.
    if (host !== undefined && !answersTo(host)) {
      const name = hostName(host);
      // The port the request came in on (the one the gateway listens on), not the Host header's: a Host without one would give a URL on port 80.
      const port = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming?.socket.localPort ?? /:(\d{1,5})$/.exec(host)?.[1];
      const at = port === undefined ? "" : `:${port}`;
      const waiting = hostPending(options.pending, host, name);
      if (waiting !== undefined) return c.json(errorBody({ message: waiting, type: "permission_error", code: "unknown_host" }), 421);
      const fix = anyAddress ? `reach it by its address or add "${name ?? host}" to gateway.allowedHosts in the config (then restart it)` : `open it as http://127.0.0.1${at}/ or http://localhost${at}/, or add "${name ?? host}" to gateway.allowedHosts in the config if you reach it by that name (then restart it)`;
      return c.json(errorBody({ message: `this gateway does not answer to the host name "${host}" (the request's Host header): a web page could point its own name at this machine (DNS rebinding) and read your conversations; ${fix}`, type: "permission_error", code: "unknown_host" }), 421);
    }
    const origin = c.req.header("origin");
    if (origin === "null") {
      if (carriesToken && (isPreflight(c.req) || carriesToken(c.req.header("authorization")))) return next();
      const changed = options.token === undefined ? undefined : tokenChangedWords(options.pending, { running: options.token, authorization: c.req.header("authorization") });
      if (changed !== undefined) return c.json(errorBody({ message: `a request with Origin: null passes only with the gateway's token: ${changed}`, type: "permission_error", code: "cross_origin" }), 403);
      const fix = carriesToken ? "send the gateway's token with it (Authorization: Bearer …)" : (tokenAddedPending(options.pending) ?? "set gateway.auth.token in the config and have the client send it (Authorization: Bearer …; a request with Origin: null passes with the token)");
      return c.json(errorBody({ message: `a request with Origin: null may not call this gateway without its token: ${NULL_ORIGIN_WORDS}, and gateway.cors.origins cannot allow it (any website's frame could then run turns and read your conversations as you); ${fix}, or call the gateway from the app's own process, which sends no Origin`, type: "permission_error", code: "cross_origin" }), 403);
    }
    if (origin !== undefined) {
      if (!sameOrigin(origin, host) && !origins.has(origin)) {
        const waiting = originPending(options.pending, origin);
        if (waiting !== undefined) return c.json(errorBody({ message: waiting, type: "permission_error", code: "cross_origin" }), 403);
        return c.json(errorBody({ message: `a web page of another origin (${origin}) may not call this gateway: it could run turns and read your conversations as you; if you trust it, add "${origin}" to gateway.cors.origins in the config (then restart the gateway)`, type: "permission_error", code: "cross_origin" }), 403);
      }
    } else {
      const site = anotherSite(c.req.header("sec-fetch-site"));
      if (site !== undefined && !topLevelNavigation(c.req.method, c.req.header("sec-fetch-mode"), c.req.header("sec-fetch-dest"))) {
        const page = site === "same-site" ? "another origin of the same site (another port of this machine, say)" : "another site";
        return c.json(errorBody({ message: `a request from a web page of ${page} (Sec-Fetch-Site: ${site}) may not call this gateway: it could run turns and read your conversations as you; if you trust the page, add its origin to gateway.cors.origins in the config (then restart the gateway)`, type: "permission_error", code: "cross_origin" }), 403);
      }
    }
    return next();
  };
}

/**
 * Whether a request passes the guard without a word (the proxy front serves only those; any other
 * goes through the guard, which answers it): its Host is one this gateway answers to (or absent), and
 * it comes from no web page — no `Origin`, no `Sec-Fetch-Site: cross-site` or `same-site`.
 */
export function passesQuietly(answersTo: (host: string) => boolean, headers: { host?: string | undefined; origin?: string | undefined; "sec-fetch-site"?: string | undefined }): boolean {
  if (headers.host !== undefined && !answersTo(headers.host)) return false;
  return headers.origin === undefined && anotherSite(headers["sec-fetch-site"]) === undefined;
}

/**
 * `Sec-Fetch-Site` when it says a web page other than the gateway's own sent the request: `cross-site`,
 * or `same-site` — a page on another port of this machine is the same site (the port does not count), and
 * its `<script>`, `<img>` or `<iframe>` (no `Origin` on a GET) is no more the user's doing than another site's.
 */
function anotherSite(value: string | undefined): "cross-site" | "same-site" | undefined {
  const site = value?.toLowerCase();
  return site === "cross-site" || site === "same-site" ? site : undefined;
}

/** Whether the gateway answers to a Host header (its verdicts kept: clients send the same one each time). */
export function hostJudge(options: Pick<RequestGuardOptions, "bind" | "allowedHosts">): (host: string) => boolean {
  const names = new Set(LOOPBACK_NAMES);
  const bind = hostName(options.bind);
  if (bind !== undefined && !isWildcard(bind)) names.add(bind);
  for (const name of options.allowedHosts ?? []) names.add(name.toLowerCase());
  const anyAddress = !isLoopback(options.bind);
  /** Host headers judged before: whether this gateway answers to each. */
  const judged = new Map<string, boolean>();
  return (host) => {
    const known = judged.get(host);
    if (known !== undefined) return known;
    const name = hostName(host);
    const answers = name !== undefined && (names.has(name) || (anyAddress && isAddress(name)));
    if (judged.size >= MAX_JUDGED_HOSTS) judged.clear();
    judged.set(host, answers);
    return answers;
  };
}

/** The host name of a Host header or a bind address, lowercased, IPv6 in brackets; undefined when it is none. */
export function hostName(host: string): string | undefined {
  const trimmed = host.trim().toLowerCase();
  if (isIP(trimmed) === 6) return `[${trimmed}]`;
  const match = /^(\[[0-9a-f:.]+\]|[^:[\]/\s@]+)(?::\d{1,5})?$/.exec(trimmed);
  return match?.[1];
}

function isWildcard(name: string): boolean {
  return name === "0.0.0.0" || name === "[::]";
}

function isAddress(name: string): boolean {
  return isIP(name.replace(/^\[(.*)\]$/, "$1")) !== 0;
}

/** The page that sent the request is the gateway's own: its origin is this Host (served over HTTP, or HTTPS through a proxy). */
function sameOrigin(origin: string, host: string | undefined): boolean {
  if (host === undefined) return false;
  const own = host.trim().toLowerCase();
  const asked = origin.toLowerCase();
  return asked === `http://${own}` || asked === `https://${own}`;
}

/** The browser opens a page in a tab (a followed link): no other site can read what comes back. */
function topLevelNavigation(method: string, mode: string | undefined, destination: string | undefined): boolean {
  return (method === "GET" || method === "HEAD") && mode === "navigate" && destination === "document";
}
