import { byId } from "./dom.js";

const STORAGE_KEY = "hearth.gateway-token";

export interface TokenKeeper {
  current(): string | undefined;
  /** Asks the person for the token (one dialog however many requests are waiting), keeps it, returns it. */
  ask(): Promise<string>;
  forget(): void;
}

/** The gateway's token, asked for once in a dialog and kept in this browser's localStorage. */
export function createTokenKeeper(storage: Storage): TokenKeeper {
  const dialog = byId("token-dialog", HTMLDialogElement);
  const form = byId("token-form", HTMLFormElement);
  const input = byId("token-input", HTMLInputElement);
  let asking: Promise<string> | undefined;
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
      dialog.showModal();
      input.focus();
    });
    return asking;
  };

  return {
    current: () => storage.getItem(STORAGE_KEY) ?? undefined,
    ask,
    forget: () => storage.removeItem(STORAGE_KEY),
  };
}
