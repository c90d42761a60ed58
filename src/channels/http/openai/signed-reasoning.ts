import { API_NAMES, type Api } from "../../../ai/api.js";
import type { ModelRef } from "../../../ai/model-spec.js";
import type { ReasoningContent } from "../../../ai/types.js";
import type { SignedReasoning } from "./answer-events.js";
import { isObject } from "./request-problem.js";

const PREFIX = "hearth1.";

/**
 * Signed or encrypted reasoning (Anthropic's signature, OpenAI's encrypted_content) as one opaque
 * `encrypted_content` value, with the model and protocol that produced it. A client replays it like
 * any encrypted reasoning; hearth restores it, and each candidate's adapter sends it back only to the
 * provider that made it and leaves it out everywhere else.
 */
export function encodeSignedReasoning(signed: SignedReasoning): string {
  const parts = signed.parts.map((part) => ({ t: part.text, s: part.signature, r: part.redacted }));
  return PREFIX + Buffer.from(JSON.stringify({ m: signed.model, a: signed.api, p: parts })).toString("base64url");
}

/** The reasoning hearth issued, or undefined for anything else (reasoning hearth cannot place is dropped, never forwarded). */
export function decodeSignedReasoning(value: unknown): SignedReasoning | undefined {
  if (typeof value !== "string" || !value.startsWith(PREFIX)) return undefined;
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(value.slice(PREFIX.length), "base64url").toString("utf8"));
  } catch {
    return undefined;
  }
  if (!isObject(decoded) || typeof decoded.m !== "string" || !decoded.m.includes("/") || !Array.isArray(decoded.p)) return undefined;
  const api = decoded.a;
  if (typeof api !== "string" || !(API_NAMES as readonly string[]).includes(api)) return undefined;
  const parts: ReasoningContent[] = decoded.p.filter(isObject).map((part) => ({
    type: "reasoning",
    text: typeof part.t === "string" ? part.t : "",
    signature: typeof part.s === "string" ? part.s : undefined,
    redacted: typeof part.r === "string" ? part.r : undefined,
  }));
  return { model: decoded.m as ModelRef, api: api as Api, parts };
}
