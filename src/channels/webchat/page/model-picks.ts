import type { MessageRequest } from "./wire-types.js";

/**
 * The model picker's picks. A pick is the session's choice, set as `/model <name>` typed in the
 * conversation sets it (`/model reset` for the agent's model): kept by the gateway, so a reload, another
 * tab, `/status` and `/model` all say it, and its answer comes as a command's (`command-result`).
 * Picks go one after another, each once the one before it is sent (arrow keys on the picker make one per
 * step): they reach the session's line in the order they were made, so the session's choice is the last.
 */
export interface ModelPicks {
  /** Sends the pick of `name` ("": the agent's model) for `session`, after the picks before it and once `before` (the conversation on screen) is. */
  pick(options: { session: string; name: string; agent: Pick<MessageRequest, "agent">; before: Promise<void> }): void;
  /**
   * True while a pick of `session` is not sent yet: the picker shows the pick, not a read of the session
   * from before it; the read set aside is done again (`reread`) once the session's last pick is sent.
   */
  setsAside(session: string): boolean;
  /** The event stream connected again: what is read now is the session's choice, the picks sent before are forgotten. */
  clear(): void;
  /** Resolves once every pick's request is done: a message sent after a pick goes behind it in the session's line. */
  sent(): Promise<void>;
}

export function createModelPicks(options: {
  send(session: string, request: MessageRequest): Promise<unknown>;
  /** By session, the messages on their way (the page's): a pick's `/model` among them is known as such when its `command-result` comes. */
  echoes: Map<string, unknown[]>;
  /** The pick could not be sent (the gateway away, a refusal): said, and the picker shows the session's choice again. */
  failed(session: string, error: unknown): Promise<void>;
  /** The last pick of `session` is sent, and a read of the session's choice was set aside meanwhile: it is read again. */
  reread(session: string): void;
}): ModelPicks {
  // By session, the picks not sent yet (one token each: a pick forgotten by `clear` is not counted when it returns).
  const onTheirWay = new Map<string, Set<symbol>>();
  const readsSetAside = new Set<string>();
  let last: Promise<void> = Promise.resolve();
  /** `pick` of `session` is sent (or failed): the last one lets the picker follow the session again. */
  const finish = (session: string, pick: symbol): boolean => {
    const picks = onTheirWay.get(session);
    if (!picks?.delete(pick) || picks.size > 0) return false;
    onTheirWay.delete(session);
    return readsSetAside.delete(session);
  };
  return {
    pick({ session, name, agent, before }) {
      const text = name ? `/model ${name}` : "/model reset";
      const pick = Symbol(text);
      onTheirWay.set(session, (onTheirWay.get(session) ?? new Set<symbol>()).add(pick));
      last = last
        .then(() => before)
        .then(async () => {
          options.echoes.set(session, [...(options.echoes.get(session) ?? []), text]);
          try {
            await options.send(session, { text, ...agent });
          } catch (error) {
            const queue = options.echoes.get(session) ?? [];
            if (queue.includes(text)) queue.splice(queue.indexOf(text), 1);
            finish(session, pick);
            await options.failed(session, error);
            return;
          }
          if (finish(session, pick)) options.reread(session);
        });
    },
    setsAside(session) {
      if (!onTheirWay.has(session)) return false;
      readsSetAside.add(session);
      return true;
    },
    clear() {
      onTheirWay.clear();
      readsSetAside.clear();
    },
    sent: () => last,
  };
}
