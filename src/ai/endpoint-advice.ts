import type { Api } from "./api.js";
import { MISSING_ENDPOINT_WORDING, matchesAny } from "./failure-wording.js";
import { basePath, withBasePath } from "./http/join-url.js";
import { WEB_PAGE_FIX } from "./web-page-answer.js";

/**
 * Endpoints hearth appends to a baseUrl itself, longest first (`/chat/completions` before `/completions`):
 * a baseUrl that already ends in one gets it twice (`/v1/chat/completions/responses`).
 */
const ENDPOINT_SUFFIXES = ["/chat/completions", "/completions", "/responses", "/messages", "/models", "/api/chat", "/api/tags", "/api/generate"] as const;

export interface BaseUrlFix {
  /** The baseUrl to write instead. */
  suggested: string;
  /** Why, in words: `its path ends in "/chat/completions", an endpoint appended to it on every call`. */
  why: string;
  /** What follows from it: every call goes wrong (an endpoint twice), or calls to the servers that serve only under /v1 (no path). */
  consequence: string;
}

/** The baseUrl's path alone (`/v1`), without query or trailing slashes; "" for a bare host. */
export function pathOfBaseUrl(baseUrl: string): string {
  try {
    return new URL(basePath(baseUrl)).pathname.replace(/\/+$/, "");
  } catch {
    return "";
  }
}

/**
 * What is wrong with a baseUrl's path, where its shape says so, and the baseUrl to write instead: a path
 * that ends in an endpoint that is appended to it on every call, or (for an OpenAI-style api) no path where servers serve
 * under /v1. Undefined when the path looks right for the api (it may still be the wrong server).
 */
export function baseUrlFix(baseUrl: string, api: Api | undefined): BaseUrlFix | undefined {
  const path = pathOfBaseUrl(baseUrl);
  const suffix = ENDPOINT_SUFFIXES.find((ending) => path.endsWith(ending));
  const ollama = api === "ollama";
  if (suffix !== undefined) {
    const kept = path.slice(0, -suffix.length);
    // Ollama's native API is at the server's root (hearth takes a /v1 off itself); OpenAI-style servers serve under /v1.
    const fixed = ollama ? kept.replace(/\/v1$/, "").replace(/\/api$/, "") : kept === "" && api !== "anthropic-messages" ? "/v1" : kept;
    return { suggested: withPath(baseUrl, fixed), why: `its path ends in "${suffix}", an endpoint appended to it on every call`, consequence: "every call would go to the wrong path" };
  }
  if (path === "" && api !== undefined && api.startsWith("openai")) {
    // llama-server answers /models, /chat/completions and /responses at its root too (checked on the real server); the others do not.
    return {
      suggested: withPath(baseUrl, "/v1"),
      why: "it has no path, and LM Studio, vLLM and Ollama serve their OpenAI-compatible API only under /v1 (llama.cpp answers at the root too)",
      consequence: "calls to those servers would go to the wrong path",
    };
  }
  return undefined;
}

function withPath(baseUrl: string, path: string): string {
  return withBasePath(baseUrl, (head) => `${new URL(head).origin}${path}`);
}

/**
 * What a "no such endpoint" answer means for the model that got it, in words to append to the failure:
 * the baseUrl's path where its shape is wrong; the Responses advice only for api "openai-responses"
 * whose path is the server's (ends in /v1); else the baseUrl's path or api named as the thing to check.
 */
export function missingEndpointAdvice(model: { api: Api; baseUrl: string }, endpoint: string): string {
  const fix = baseUrlFix(model.baseUrl, model.api);
  if (fix) return `the baseUrl's path is probably wrong (${fix.why}): set the provider's baseUrl to "${fix.suggested}"`;
  const path = pathOfBaseUrl(model.baseUrl);
  if (model.api === "openai-responses" && endpoint === "/responses" && path.endsWith("/v1")) {
    return `the server has no Responses API (LM Studio has it from 0.3.29): set api: "openai-completions" for this provider, or upgrade the server`;
  }
  if (model.api !== "ollama" && !path.endsWith("/v1")) return `check the baseUrl's path ("${path || "/"}"): most servers serve this API under /v1`;
  return `the server at ${new URL(basePath(model.baseUrl)).origin} does not serve api "${model.api}" there: check the provider's baseUrl and api (\`hearth models status --probe\` asks it)`;
}

/** What a web page for a model's API call means for that model, and what to do (webPageAdvice). */
export interface WebPageAdvice {
  /** The judgement, after the page's words: "the baseUrl's path is probably wrong (…)", "it is not a model server", or both possibilities. */
  words: string;
  /** What to do. */
  fix: string;
  /** Whether only another program on the port explains it (nothing says the path is wrong). */
  notModelServer: boolean;
}

/**
 * A web page (a 2xx page, an HTML 404 or 405) where a model's API was asked. A proxy (nginx, Caddy) or web
 * framework (Express) in front of a real model server answers a path it lacks with such a page, as does
 * another program on the port. The baseUrl's path comes first where its shape is wrong (baseUrlFix); both
 * are said where the page or the path hints at the path (Express's "Cannot POST /…", a path that is not
 * /v1); "not a model server" only where nothing does.
 */
export function webPageAdvice(model: { api: Api; baseUrl: string }, pageWords: string): WebPageAdvice {
  const fix = baseUrlFix(model.baseUrl, model.api);
  const proxy = "a proxy or web framework in front of a model server answers a path it lacks with such a page";
  if (fix) {
    return {
      words: `the baseUrl's path is probably wrong (${fix.why})`,
      fix: `set the provider's baseUrl to "${fix.suggested}" (${proxy}); if the server there is still not a model server, another program holds that port: point the baseUrl at the model server`,
      notModelServer: false,
    };
  }
  const path = pathOfBaseUrl(model.baseUrl);
  const notV1 = model.api !== "ollama" && model.api !== "anthropic-messages" && !path.endsWith("/v1");
  if (notV1 || matchesAny(pageWords, MISSING_ENDPOINT_WORDING)) {
    return {
      words: "the baseUrl's path is not the API's, or the server is not a model server",
      fix: `check the provider's baseUrl: either its path ("${path || "/"}") is not the API's (${proxy}${notV1 ? "; most servers serve this API under /v1" : ""}) or another program holds that port (point the baseUrl at the model server)`,
      notModelServer: false,
    };
  }
  return { words: "it is not a model server", fix: WEB_PAGE_FIX, notModelServer: true };
}
