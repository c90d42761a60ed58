/** A lock's release made safe to call more than once; a release that fails (the lock gone already) is not an error. */
export function releaseOnce(release: () => Promise<void>): () => Promise<void> {
  let released = false;
  return async () => {
    if (released) return;
    released = true;
    await release().catch(() => undefined);
  };
}
