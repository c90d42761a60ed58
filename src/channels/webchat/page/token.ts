import { byId } from "./dom.js";

const STORAGE_KEY = "hearth.gateway-token";

export interface TokenKeeper {
  current(): string | undefined;
  /** Asks the person for the token (one dialog however many requests are waiting), keeps it, returns it; says so when the last one was refused. */
  ask(): Promise<string>;
  /** The gateway refused the kept token (401): it is dropped; `why`, the gateway's own words where they say more than "wrong token" (a token not yet in use). */
  forget(why?: string): void;
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
  // The gateway's words for the last refusal, where it said more than "wrong token"; else the page's own.
  let refusedWords: string | undefined;
  const ownRefusal = refused.innerHTML;
  const showRefusal = (words: string | undefined): void => {
    if (words === undefined) refused.innerHTML = ownRefusal;
    else refused.textContent = words;
    refused.hidden = false;
  };
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
        // `${HEARTH_GATEWAY_TOKEN}` copied from the config: the variable's name, not its value — never sent.
        const variable = variableReference(token);
        if (variable !== undefined) {
          event.preventDefault();
          showRefusal(`That is the name of a variable the config reads the token from, not the token: copy the value of ${variable} (hearth's advice keeps it in ~/.hearth/gateway.env; or wherever the gateway's environment sets it).`);
          input.select();
          return;
        }
        form.removeEventListener("submit", onSubmit);
        storage.setItem(STORAGE_KEY, token);
        input.value = "";
        asking = undefined;
        resolve(token);
      };
      form.addEventListener("submit", onSubmit);
      if (lastRefused) showRefusal(refusedWords);
      else refused.hidden = true;
      dialog.showModal();
      input.focus();
    });
    return asking;
  };

  return {
    current: () => storage.getItem(STORAGE_KEY) ?? undefined,
    ask,
    forget: (why) => {
      lastRefused = storage.getItem(STORAGE_KEY) !== null;
      refusedWords = why;
      storage.removeItem(STORAGE_KEY);
    },
  };
}

/** The variable a pasted `${NAME}` names, or undefined for anything else (a bare `$name` is literal text to the config: a token). */
export function variableReference(text: string): string | undefined {
  return /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$/.exec(text)?.[1];
}
