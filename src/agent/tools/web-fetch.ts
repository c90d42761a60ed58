import type { IncomingMessage } from "node:http";
import * as z from "zod";
import { decodedBody, guardedGet, readLimited, RefusedError, resolveWithDns, type ResolveHost } from "./guarded-get.js";
import { htmlToText } from "../../shared/html-to-text.js";
import { gatewayPorts } from "./gateway-ports.js";
import { onThisMachine, refusalReason } from "./private-address.js";
import type { Tool, ToolOutput } from "./tool.js";
import { timerDelay } from "../../shared/timer-delay.js";

const parameters = z.strictObject({
  url: z.string().describe("http(s) URL"),
});

export const WEB_FETCH_DEFAULTS = { maxBytes: 512 * 1024, timeoutSeconds: 15, maxRedirects: 5, maxTextChars: 16_000, allowPrivateNetwork: false } as const;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

export interface WebFetchToolOptions {
  /** Host name → addresses; default node:dns lookup. */
  resolve?: ResolveHost | undefined;
  /** Which addresses count as private by range; default: loopback, RFC 1918, link-local, CGNAT, unique-local, multicast, documentation, reserved, and IPv6 forms carrying one of those. */
  isPrivate?: ((address: string) => boolean) | undefined;
  /** This machine's own addresses, read at every check; default: every interface's (os.networkInterfaces()). */
  ownAddresses?: (() => readonly string[]) | undefined;
  /** The most characters of page text returned (the registry cuts longer output too, but this keeps the note outside the page). */
  maxTextChars?: number | undefined;
}

/** `web_fetch`: one page over http(s), as readable text, checked against private destinations on every hop. */
export function createWebFetchTool(options: WebFetchToolOptions = {}): Tool<z.output<typeof parameters>> {
  return {
    name: "web_fetch",
    description: "Fetch a web page (GET) and return its text.",
    parameters,
    async run(args, context) {
      const settings = context.settings.webFetch ?? {};
      const maxBytes = settings.maxBytes ?? WEB_FETCH_DEFAULTS.maxBytes;
      const timeoutSeconds = settings.timeoutSeconds ?? WEB_FETCH_DEFAULTS.timeoutSeconds;
      const guard = {
        resolve: options.resolve ?? resolveWithDns,
        allowPrivateNetwork: settings.allowPrivateNetwork ?? WEB_FETCH_DEFAULTS.allowPrivateNetwork,
        refusalReason: (address: string) => refusalReason(address, { isPrivate: options.isPrivate, ownAddresses: options.ownAddresses }),
        // hearth's own gateway holds every conversation (its API answers anyone on this machine without a token): never fetched.
        neverReached: (address: string, port: number) =>
          gatewayPorts(context.stateDir).has(port) && onThisMachine(address, { ownAddresses: options.ownAddresses })
            ? `hearth's own gateway (port ${port} of this machine): web_fetch never reaches it, whatever tools.web_fetch.allowPrivateNetwork says — its API holds every conversation`
            : undefined,
      };
      let url = parseHttpUrl(args.url);
      if (typeof url === "string") return { content: url, isError: true };

      const timeout = AbortSignal.timeout(timerDelay(timeoutSeconds * 1000));
      const signal = AbortSignal.any([context.signal, timeout]);
      let response: IncomingMessage | undefined;
      try {
        for (let hop = 0; ; hop++) {
          response = await guardedGet(url, guard, signal);
          const location = response.headers.location;
          if (!REDIRECTS.has(response.statusCode ?? 0) || !location) break;
          response.destroy();
          if (hop === WEB_FETCH_DEFAULTS.maxRedirects) return { content: `${args.url}: more than ${WEB_FETCH_DEFAULTS.maxRedirects} redirects; stopped at ${url.href}`, isError: true };
          const next = parseHttpUrl(location, url);
          // The Location header is the server's text: only our own words about it go back (a scheme name is a safe token).
          if (typeof next === "string") {
            const why = next.startsWith('"') ? "an invalid Location header" : next.replace(/^[^a-z]*/i, "").replace(/[^\w .;:,-]/g, "");
            return { content: `${url.href} redirects to an address web_fetch cannot follow: ${why}`, isError: true };
          }
          url = next;
        }
        return await readPage(response, url, maxBytes, options.maxTextChars ?? WEB_FETCH_DEFAULTS.maxTextChars, signal, context.untrusted);
      } catch (error) {
        if (timeout.aborted) return { content: `${url.href}: no complete answer within ${timeoutSeconds} s (tools.web_fetch.timeoutSeconds)`, isError: true };
        if (context.signal.aborted) return { content: "the fetch was cancelled", isError: true };
        if (error instanceof RefusedError) return { content: `refused: ${error.message}`, isError: true };
        return { content: `${url.href}: ${describeNetworkError(error)}`, isError: true };
      } finally {
        response?.destroy();
      }
    },
  };
}

async function readPage(response: IncomingMessage, url: URL, maxBytes: number, maxTextChars: number, signal: AbortSignal, untrusted: (text: string, source: string) => string): Promise<ToolOutput> {
  const contentType = String(response.headers["content-type"] ?? "").trim();
  const mediaType = contentType.split(";")[0]?.trim().toLowerCase() ?? "";
  const kind = kindOf(mediaType);
  // What the server says about itself is outside text too: only safe tokens of it are used here.
  const status = String(response.statusCode ?? 0);
  const safeType = /^[\w.+-]+\/[\w.+-]+$/.test(mediaType) ? mediaType : "an unknown type";
  if (kind === "other") return { content: `${url.href} is ${safeType} (status ${status}); web_fetch reads only HTML, text and JSON`, isError: true };

  const body = decodedBody(response);
  const onAbort = () => body.destroy(signal.reason instanceof Error ? signal.reason : new Error("aborted"));
  signal.addEventListener("abort", onAbort, { once: true });
  let read: Awaited<ReturnType<typeof readLimited>>;
  try {
    read = await readLimited(body, maxBytes);
  } finally {
    signal.removeEventListener("abort", onAbort);
    body.destroy();
  }
  const raw = decode(read.bytes, contentType);
  if (kind === "other-unknown" && raw.includes("\u0000")) return { content: `${url.href} sent binary data without a content type; web_fetch reads only HTML, text and JSON`, isError: true };
  let text = kind === "html" ? htmlToText(raw) : raw.trim();
  const notes: string[] = [];
  if (read.truncated) notes.push(`stopped reading at ${formatBytes(maxBytes)} (tools.web_fetch.maxBytes); the page is longer`);
  if (text.length > maxTextChars) {
    notes.push(`text cut to its first ${maxTextChars.toLocaleString("en-US")} of ${text.length.toLocaleString("en-US")} characters`);
    text = text.slice(0, maxTextChars);
  }
  const page = `status: ${status}\nurl: ${url.href}\ncontent-type: ${mediaType || "(none)"}\n\n${text || "(no text)"}`;
  // Notes go before the block: truncation keeps the end of the output, and so the closing marker.
  const wrapped = untrusted(page, `web page ${url.href.slice(0, 200)}`);
  return { content: notes.length > 0 ? `[${notes.join("; ")}]\n${wrapped}` : wrapped, isError: (response.statusCode ?? 0) >= 400 };
}

function kindOf(mediaType: string): "html" | "text" | "other" | "other-unknown" {
  if (!mediaType) return "other-unknown";
  if (mediaType === "text/html" || mediaType === "application/xhtml+xml") return "html";
  if (mediaType.startsWith("text/") || mediaType === "application/json" || mediaType.endsWith("+json") || mediaType === "application/xml" || mediaType.endsWith("+xml")) return "text";
  if (mediaType === "application/javascript" || mediaType === "application/x-ndjson") return "text";
  return "other";
}

function parseHttpUrl(text: string, base?: URL): URL | string {
  let url: URL;
  try {
    url = new URL(text.trim(), base);
  } catch {
    return `"${text}" is not a URL; give a full http(s) URL, e.g. https://example.com/page`;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return `${url.protocol.slice(0, -1)} URLs are not fetched; only http and https`;
  url.hash = "";
  return url;
}

function decode(bytes: Buffer, contentType: string): string {
  const declared = /charset=["']?([\w.:-]+)/i.exec(contentType)?.[1] ?? /<meta[^>]+charset=["']?([\w.:-]+)/i.exec(bytes.subarray(0, 2048).toString("latin1"))?.[1];
  try {
    return new TextDecoder(declared ?? "utf-8").decode(bytes);
  } catch {
    return new TextDecoder("utf-8").decode(bytes);
  }
}

function describeNetworkError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const message = error instanceof Error ? error.message : String(error);
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") return "the host name does not resolve";
  if (code === "ECONNREFUSED") return "connection refused";
  if (code === "ECONNRESET") return "the connection was reset";
  if (code?.startsWith("ERR_TLS") || code?.includes("CERT")) return `TLS failed (${message})`;
  return message;
}

function formatBytes(bytes: number): string {
  return bytes >= 1024 && bytes % 1024 === 0 ? `${bytes / 1024} KiB` : `${bytes} bytes`;
}
