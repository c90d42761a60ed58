/**
 * The ids of the messages this gateway took, as the web chat's kept messages carry one: a second POST of
 * one (two tabs each sent it: the browser's storage they share can lag behind the lock that lets one tab
 * send) is told so, not run again. In memory, the latest `limit` of them.
 */
export interface TakenMessages {
  /** True the first time `key` is given (the message is to be run); false after. */
  take(key: string): boolean;
  /** The message was not kept after all (refused, not saved): a later try of it is run. */
  forget(key: string): void;
}

export function takenMessages(limit = 1_000): TakenMessages {
  const keys = new Set<string>();
  return {
    take: (key) => {
      if (keys.has(key)) return false;
      keys.add(key);
      if (keys.size > limit) keys.delete(keys.values().next().value as string);
      return true;
    },
    forget: (key) => void keys.delete(key),
  };
}
