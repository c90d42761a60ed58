/**
 * On a narrow screen (a phone) the conversation fills the page; the conversation list and the providers panel
 * are each a button away in its header (`.panel-toggle[data-panel]`) and cover the page while open
 * (`body[data-panel]`, styles.css). A panel closes with its "Back to the conversation" button, Escape, or once
 * a conversation is picked in it (a `#session=` link, or a `[data-opens-conversation]` button). On a wide screen both panels are always shown and the buttons are not.
 */
export function createNarrowPanels(root: HTMLElement): void {
  const toggles = [...root.querySelectorAll<HTMLButtonElement>(".panel-toggle[data-panel]")];
  const open = (panel: string | undefined): void => {
    if (panel === undefined) delete root.dataset["panel"];
    else root.dataset["panel"] = panel;
    for (const toggle of toggles) toggle.setAttribute("aria-expanded", String(toggle.dataset["panel"] === panel));
  };
  const close = (): void => {
    const was = root.dataset["panel"];
    if (was === undefined) return;
    open(undefined);
    // Focus goes back to the button that opened it, as a dialog's does.
    toggles.find((toggle) => toggle.dataset["panel"] === was)?.focus();
  };
  for (const toggle of toggles) {
    toggle.addEventListener("click", () => {
      if (root.dataset["panel"] === toggle.dataset["panel"]) close();
      else {
        open(toggle.dataset["panel"]);
        document.getElementById(toggle.getAttribute("aria-controls") ?? "")?.querySelector<HTMLElement>("[data-close-panel]")?.focus();
      }
    });
  }
  for (const button of root.querySelectorAll<HTMLButtonElement>("[data-close-panel]")) button.addEventListener("click", close);
  root.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && root.dataset["panel"] !== undefined) close();
  });
  // The conversation picked is what the user goes on with: the panel gets out of the way (focus goes to the message box).
  root.addEventListener("click", (event) => {
    if (event.target instanceof Element && event.target.closest('a[href^="#session="], [data-opens-conversation]')) open(undefined);
  });
}
