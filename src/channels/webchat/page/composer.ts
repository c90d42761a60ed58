const STORAGE_KEY = "hearth.draft";

export interface Composer {
  /** Puts a message's words back in the input box, ahead of what is typed there, and keeps them (a message refused as too large, or taken back to edit). */
  giveBack(text: string): void;
  /** The input box was emptied by a send: nothing to keep. */
  sent(): void;
}

/**
 * The input box: Enter sends (Shift+Enter is a new line), and its words are kept in this browser's localStorage
 * (`hearth.draft`) as they are typed, so a reload or a closed tab loses no message not yet sent — one given back
 * to the box to shorten among them — and the page opens with it in the box. One draft for the page (the tab that
 * wrote last keeps it); a storage that refuses (full, private mode) leaves the box as it is.
 */
export function createComposer(options: { input: HTMLTextAreaElement; form: HTMLFormElement; storage: Storage }): Composer {
  const { input, form, storage } = options;
  const keep = (): void => {
    try {
      if (input.value.trim() === "") storage.removeItem(STORAGE_KEY);
      else storage.setItem(STORAGE_KEY, input.value);
    } catch {
      // Not kept: the words are still in the box.
    }
  };
  try {
    const kept = storage.getItem(STORAGE_KEY);
    if (kept !== null && input.value.trim() === "") input.value = kept;
  } catch {
    // Nothing readable: an empty box.
  }
  input.addEventListener("input", keep);
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  return {
    giveBack: (text) => {
      input.value = input.value.trim() === "" ? text : `${text}\n\n${input.value}`;
      keep();
      input.focus();
    },
    sent: keep,
  };
}
