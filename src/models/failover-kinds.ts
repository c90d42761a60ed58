import type { FailureKind } from "../ai/types.js";
import type { AttemptResult } from "./call-model.js";

/** Failures after which the next candidate is tried. A bad request is the caller's to fix; an abort is final. */
export const FAIL_OVER: ReadonlySet<FailureKind> = new Set(["unreachable", "timeout", "auth", "rate-limit", "overloaded", "loading", "server-error", "model-not-found", "no-endpoint", "stream-broken", "context-overflow"]);
/** Failures after which the same candidate is tried on its next replica (another server may answer; a refused key or request would not). */
export const NEXT_REPLICA: ReadonlySet<FailureKind> = new Set(["unreachable", "timeout", "overloaded", "loading", "server-error", "stream-broken"]);
/** The call ended because its server hung (no first token or no next one in time, or no connection): not an answer, not the request's own fault. */
export function serverHung(result: AttemptResult): boolean {
  return !result.ok && (result.failure.kind === "timeout" || result.failure.kind === "unreachable");
}
