import type { Api } from "./api.js";
import { basePath, withBasePath } from "./http/join-url.js";

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
