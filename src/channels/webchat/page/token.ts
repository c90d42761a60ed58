import { byId } from "./dom.js";

const STORAGE_KEY = "hearth.gateway-token";

export interface TokenKeeper {
  current(): string | undefined;
  /** Asks the person for the token (one dialog however many requests are waiting), keeps it, returns it; says so when the last one was refused. */
  ask(): Promise<string>;
  /** The gateway refused the kept token (401): it is dropped. */
  forget(): void;
}

/** The gateway's token, asked for once in a dialog and kept in this browser's localStorage. */
export function createTokenKeeper(storage: Storage): TokenKeeper {
  const dialog = byId("token-dialog", HTMLDialogElement);
  const form = byId("token-form", HTMLFormElement);
  const input = byId("token-input", HTMLInputElement);
  const refused = byId("token-refused", HTMLParagraphElement);
  let asking: Promise<string> | undefined;
  // A token was tried and the gateway said no: the next ask says so.
  let lastRefused = false;
  // Escape would leave the page with no way to ask again: the dialog stays until a token is given.
  dialog.addEventListener("cancel", (event) => event.preventDefault());

  const ask = (): Promise<string> => {
    asking ??= new Promise<string>((resolve) => {
      const onSubmit = (event: SubmitEvent): void => {
        const token = input.value.trim();
        if (token === "") {
          event.preventDefault();
          return;
        }
        form.removeEventListener("submit", onSubmit);
        storage.setItem(STORAGE_KEY, token);
        input.value = "";
        asking = undefined;
        resolve(token);
      };
      form.addEventListener("submit", onSubmit);
      refused.hidden = !lastRefused;
      dialog.showModal();
      input.focus();
    });
    return asking;
  };

  return {
    current: () => storage.getItem(STORAGE_KEY) ?? undefined,
    ask,
    forget: () => {
      lastRefused = storage.getItem(STORAGE_KEY) !== null;
      storage.removeItem(STORAGE_KEY);
    },
  };
}
