import type { IncomingHttpHeaders } from "node:http";
import type { Failure } from "./types.js";

/** What an answer that is a web page (HTML) says of itself: its title, and the program that seems to serve it. */
export interface WebPage {
  /** The page's `<title>` (or first heading), without markup; undefined if it has none. */
  title: string | undefined;
  /** The program named by the `server` header or the page's `<address>` line (Apache's, nginx's): "Apache/2.4.57 (Debian)"; undefined if none. */
  seems: string | undefined;
}

/**
 * Whether an answer is an HTML page rather than an API's JSON: its content-type says text/html (or
 * xhtml), or its body starts with `<!DOCTYPE` or `<html`. A model server's API never answers so: what
 * holds the address is another program (a web server, a router's admin page, a proxy's error page).
 */
export function webPageOf(text: string, headers: IncomingHttpHeaders): WebPage | undefined {
  const type = String(headers["content-type"] ?? "").toLowerCase();
  const start = text.trimStart().slice(0, 15).toLowerCase();
  if (!type.includes("html") && !start.startsWith("<!doctype") && !start.startsWith("<html")) return undefined;
  const title = plainText(firstMatch(text, /<title[^>]*>([\s\S]*?)<\/title>/i) ?? firstMatch(text, /<h1[^>]*>([\s\S]*?)<\/h1>/i));
  const header = headers.server;
  const seems = (typeof header === "string" && header.trim() !== "" ? header.trim().slice(0, 80) : undefined) ?? plainText(firstMatch(text, /<address[^>]*>([\s\S]*?)<\/address>/i));
  return { title, seems };
}

/**
 * Whether a web page with this status is what the program at the address serves for the path asked: a page
 * (2xx), a 404 or a 405 — not a model server. A page with another status is said by its status (a proxy's 401/403
 * page is an auth refusal, its 502 page a server error), in words too, never its markup.
 */
export function servedInstead(status: number): boolean {
  return (status >= 200 && status < 300) || status === 404 || status === 405;
}

/**
 * A web page as the failure of a call to a model server's API: the server at host:port is not an
 * OpenAI-compatible (or Ollama, Anthropic) model server, named as what it seems to be, with the fix. Never
 * "model-not-found" (the model may well exist: the wrong program answered), and no markup in the words.
 */
export function webPageFailure(answer: { status: number; page: WebPage }, request: { method: string; url: string }): Failure {
  const { status, page } = answer;
  const url = new URL(request.url);
  const detail = webPageWords(page);
  const message = `the server at ${url.host} answered ${request.method} ${url.pathname} ${status} with ${detail}: it is not a model server — ${WEB_PAGE_FIX}`;
  return { kind: "no-endpoint", status, message, detail, webPage: true };
}

/** What to do about a web page where a model server was expected. */
export const WEB_PAGE_FIX = "check the provider's baseUrl (its host and port): another program holds that port — start the model server where the baseUrl points, or point the baseUrl at the model server";

/** A server's words for a message, when its body is a web page: what the page is, never its markup. */
export function webPageWords(page: WebPage): string {
  return `an HTML page${page.title ? ` ("${page.title}")` : ""}${page.seems ? `, served by ${page.seems}` : ""}`;
}

function firstMatch(text: string, pattern: RegExp): string | undefined {
  return pattern.exec(text.slice(0, 64 * 1024))?.[1];
}

/** Markup out, entities for the few common ones, whitespace folded, at most 80 characters; undefined when nothing is left. */
function plainText(html: string | undefined): string | undefined {
  if (html === undefined) return undefined;
  const text = html
    .replace(/<[^>]*>/g, " ")
    .replace(/&nbsp;/g, " ")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, "&")
    .replace(/\s+/g, " ")
    .trim();
  if (text === "") return undefined;
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
