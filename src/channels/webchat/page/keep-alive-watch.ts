/** How many keep-alive intervals without a byte mean the link is lost (no DOM here: the Node tests import it). */
export const MISSED_KEEP_ALIVES = 2;

/**
 * The silence after which the event stream counts as lost: twice the keep-alive interval the gateway
 * says it keeps (its `x-hearth-keep-alive-ms` header); undefined when it says none (nothing is watched).
 */
export function silenceLimitMs(header: string | null): number | undefined {
  const interval = Number(header);
  return header !== null && Number.isFinite(interval) && interval > 0 ? interval * MISSED_KEEP_ALIVES : undefined;
}

/**
 * The stream passed through as it is, failing once no byte came for `limitMs` while it was waited
 * for: a gateway that is stopped (a suspended laptop, SIGSTOP) or cut off keeps the connection open and
 * sends nothing, not even its keep-alive. `onSilent` hears why first (the link is then lost); the
 * source is cancelled. A stream cancelled or failing otherwise starts no such count.
 */
export function watchSilence<T>(body: ReadableStream<T>, options: { limitMs: number; onSilent: (reason: string) => void }): ReadableStream<T> {
  const reader = body.getReader();
  let timer: ReturnType<typeof setTimeout> | undefined;
  return new ReadableStream<T>({
    async pull(controller) {
      const silent = new Promise<"silent">((resolve) => {
        timer = setTimeout(() => resolve("silent"), options.limitMs);
      });
      let next: Awaited<ReturnType<typeof reader.read>> | "silent";
      try {
        next = await Promise.race([reader.read(), silent]);
      } finally {
        clearTimeout(timer);
      }
      if (next === "silent") {
        const reason = `no keep-alive from the gateway for ${Math.round(options.limitMs / 1000)} s (stopped, asleep or cut off?)`;
        options.onSilent(reason);
        reader.cancel(reason).catch(() => undefined);
        controller.error(new Error(reason));
      } else if (next.done) controller.close();
      else controller.enqueue(next.value);
    },
    cancel(reason) {
      clearTimeout(timer);
      return reader.cancel(reason);
    },
  });
}
