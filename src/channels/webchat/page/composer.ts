const STORAGE_PREFIX = "hearth.draft:";

export interface Composer {
  /** The conversation now open: the box keeps what was typed for the one before, and shows this one's words. */
  show(session: string): void;
  /**
   * Puts a message's words back ahead of what is typed for its conversation (`session`; the open one when left out),
   * and keeps them: a message refused as too large, or taken back to edit.
   */
  giveBack(text: string, session?: string): void;
  /** The input box was emptied by a send: nothing to keep for its conversation. */
  sent(): void;
}

/**
 * The input box: Enter sends (Shift+Enter is a new line) — on a touch screen, whose keyboard has no Shift+Enter,
 * Enter is a new line and *Send* sends (Ctrl/Cmd+Enter too); tapping or clicking *Send* leaves the focus in the box,
 * so a phone's keyboard stays up for the next message. What is typed is kept for its conversation in this
 * browser's localStorage (`hearth.draft:<conversation>`) as it is typed, so a reload, a closed tab or a switch to
 * another conversation loses no words not yet sent — a message given back to the box to shorten among them — and
 * the conversation opens with them in the box. Two tabs on one conversation share its draft. Words the storage
 * cannot take (past its quota, about 5 MB) are not kept, and no older draft of the conversation is left to come back
 * in their place.
 */
export function createComposer(options: { input: HTMLTextAreaElement; form: HTMLFormElement; storage: Storage; touchScreen: boolean }): Composer {
  const { input, form, storage, touchScreen } = options;
  if (touchScreen) input.placeholder = "Message — Send sends, /help lists the commands";
  let open: string | undefined;
  const read = (session: string): string => {
    try {
      return storage.getItem(STORAGE_PREFIX + session) ?? "";
    } catch {
      return "";
    }
  };
  const write = (session: string, text: string): void => {
    try {
      if (text.trim() === "") storage.removeItem(STORAGE_PREFIX + session);
      else storage.setItem(STORAGE_PREFIX + session, text);
    } catch {
      // Not kept (past the quota): no older draft stays to come back instead of these words.
      try {
        storage.removeItem(STORAGE_PREFIX + session);
      } catch {
        // Nothing stored to take back.
      }
    }
  };
  const keep = (): void => {
    if (open !== undefined) write(open, input.value);
  };
  const ahead = (text: string, typed: string): string => (typed.trim() === "" ? text : `${text}\n\n${typed}`);
  input.addEventListener("input", keep);
  input.addEventListener("keydown", (event) => {
    if (event.key !== "Enter" || event.isComposing) return;
    if (event.ctrlKey || event.metaKey || (!touchScreen && !event.shiftKey)) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  // A press on Send would move the focus to it: on a phone that closes the keyboard after every message.
  form.querySelector('button[type="submit"]')?.addEventListener("mousedown", (event) => event.preventDefault());
  return {
    show: (session) => {
      if (session === open) return;
      keep();
      open = session;
      input.value = read(session);
    },
    giveBack: (text, session = open) => {
      if (session === undefined) return;
      if (session !== open) return write(session, ahead(text, read(session)));
      input.value = ahead(text, input.value);
      keep();
      input.focus();
    },
    sent: keep,
  };
}
