import type { MessageRequest } from "./wire-types.js";

/**
 * The model picker's picks. A pick is the session's choice, set as `/model <name>` typed in the
 * conversation sets it (`/model reset` for the agent's model): kept by the gateway, so a reload, another
 * tab, `/status` and `/model` all say it, and its answer comes as a command's (`command-result`).
 */
export interface ModelPicks {
  /** Sends the pick of `name` ("": the agent's model) for `session`, once `before` (the conversation on screen) is. */
  pick(options: { session: string; name: string; agent: Pick<MessageRequest, "agent">; before: Promise<void> }): void;
  /** A pick of `session` not answered yet: the picker shows the pick, not a read of the session from before it. */
  pending(session: string): boolean;
  /** `command` was answered in `session`: the pick it was, if it was, is no longer on its way. */
  answered(session: string, command: string): void;
  /** Resolves once the last pick's request is done: a message sent after a pick goes behind it in the session's line. */
  sent(): Promise<void>;
}

export function createModelPicks(options: {
  send(session: string, request: MessageRequest): Promise<unknown>;
  /** By session, the messages on their way (the page's): a pick's `/model` among them is known as such when its `command-result` comes. */
  echoes: Map<string, unknown[]>;
  /** The pick could not be sent (the gateway away, a refusal): said, and the picker shows the session's choice again. */
  failed(session: string, error: unknown): Promise<void>;
}): ModelPicks {
  const onTheirWay = new Map<string, string>();
  let last: Promise<void> = Promise.resolve();
  return {
    pick({ session, name, agent, before }) {
      const text = name ? `/model ${name}` : "/model reset";
      onTheirWay.set(session, text);
      last = before.then(async () => {
        options.echoes.set(session, [...(options.echoes.get(session) ?? []), text]);
        try {
          await options.send(session, { text, ...agent });
        } catch (error) {
          const queue = options.echoes.get(session) ?? [];
          if (queue.includes(text)) queue.splice(queue.indexOf(text), 1);
          if (onTheirWay.get(session) === text) onTheirWay.delete(session);
          await options.failed(session, error);
        }
      });
    },
    pending: (session) => onTheirWay.has(session),
    answered(session, command) {
      if (onTheirWay.get(session) === command) onTheirWay.delete(session);
    },
    sent: () => last,
  };
}
