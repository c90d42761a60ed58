import type { IncomingHttpHeaders } from "node:http";
import { decodeEntities } from "../shared/html-to-text.js";
import type { Failure } from "./types.js";

/** What an answer that is a web page (HTML) says of itself: its title, and the program that seems to serve it. */
export interface WebPage {
  /** The page's `<title>` (or first heading), without markup; undefined if it has none. */
  title: string | undefined;
  /** The program named by the `server` header or the page's `<address>` line (Apache's, nginx's): "Apache/2.4.57 (Debian)"; undefined if none. */
  seems: string | undefined;
  /**
   * What a page that is short text says (shortText): Express's "Cannot POST /chat/completions" (a framework's
   * words for a path it lacks); undefined otherwise.
   */
  says?: string | undefined;
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
  return { title, seems, says: shortText(text, title) };
}

/**
 * The words of a page that is short text: a `<pre>` line (Express's default page, "Cannot POST /x"), or a body
 * with no markup at all (text sent as text/html); at most 80 characters, and not the title's words (nor within them).
 */
function shortText(html: string, title: string | undefined): string | undefined {
  const text = plainText(html.includes("<") ? firstMatch(html, /<pre[^>]*>([\s\S]*?)<\/pre>/i) : html, 200);
  if (text === undefined || text.length > 80) return undefined;
  const [said, named] = [text.toLowerCase(), title?.toLowerCase()];
  if (named !== undefined && (said.includes(named) || named.includes(said))) return undefined;
  return text;
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
  const message = `the server at ${url.host} answered ${request.method} ${url.pathname} ${status} with ${detail}${WEB_PAGE_UNSURE}`;
  return { kind: "no-endpoint", status, message, detail, webPage: true };
}

/**
 * A web page's words where the model's baseUrl is not known: a proxy or web framework in front of a model
 * server answers a path it lacks so, as does another program on the port. Where the model is known,
 * webPageAdvice (endpoint-advice.ts) replaces it: the path first where the baseUrl's shape says so.
 */
export const WEB_PAGE_UNSURE = ": not a model server's API there — check the provider's baseUrl: either its path is not the API's (a proxy or web framework in front of a model server answers a path it lacks with such a page) or another program holds that port";

/** The failure's words up to the page (`the server at … answered POST /x 404 with an HTML page (…)`), without the general advice. */
export function webPageHead(message: string): string {
  return message.endsWith(WEB_PAGE_UNSURE) ? message.slice(0, -WEB_PAGE_UNSURE.length) : message;
}

/** What to do about a web page where a model server was expected, when nothing says the baseUrl's path is wrong. */
export const WEB_PAGE_FIX = "check the provider's baseUrl (its host and port): another program holds that port — start the model server where the baseUrl points, or point the baseUrl at the model server";

/** A server's words for a message, when its body is a web page: what the page is, never its markup. */
export function webPageWords(page: WebPage): string {
  return `an HTML page${page.title ? ` ("${page.title}")` : ""}${page.says ? ` saying "${page.says}"` : ""}${page.seems ? `, served by ${page.seems}` : ""}`;
}

function firstMatch(text: string, pattern: RegExp): string | undefined {
  return pattern.exec(text.slice(0, 64 * 1024))?.[1];
}

/** Markup out, entities decoded (as web_fetch's text is), whitespace folded, at most `most` characters (80); undefined when nothing is left. */
function plainText(html: string | undefined, most = 80): string | undefined {
  if (html === undefined) return undefined;
  const text = decodeEntities(html.replace(/<[^>]*>/g, " "))
    .replace(/\s+/g, " ")
    .trim();
  if (text === "") return undefined;
  return text.length > most ? `${text.slice(0, most - 3)}...` : text;
}
