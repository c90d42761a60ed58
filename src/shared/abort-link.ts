/**
 * Makes `outer` abort `controller` until the returned function is called (call it when the request
 * ends). Unlike `AbortSignal.any`, nothing stays attached to a long-lived outer signal afterwards:
 * a process that makes a million calls under one signal keeps no listener and no memory per call.
 */
export function linkAbort(outer: AbortSignal | undefined, controller: AbortController): () => void {
  if (!outer) return () => undefined;
  if (outer.aborted) {
    controller.abort(outer.reason);
    return () => undefined;
  }
  const abort = (): void => controller.abort(outer.reason);
  outer.addEventListener("abort", abort, { once: true });
  return () => outer.removeEventListener("abort", abort);
}
