import { showBidiControls } from "./bidi-controls.js";
import { element } from "./dom.js";
import { patchChildren } from "./dom-patch.js";
import type { LiveTurn } from "./live-turn.js";
import type { ShownImage, TranscriptItem, WaitingMessage } from "./wire-types.js";

export interface ConversationViewOptions {
  container: HTMLElement;
  /** Shown over the conversation's foot while the reader is up from its end and more came below; takes the view there. */
  toLatest: HTMLButtonElement;
  renderMarkdown: (source: string) => string;
  /** The "Retry" button of a message that got no answer: `id`, the message's entry (its latest try). */
  onRetry: (id: string) => void;
}

export interface ConversationView {
  /** Shows a saved conversation (replacing what is shown). */
  showTranscript(items: readonly TranscriptItem[]): void;
  /** Shows the messages waiting for their turn (replacing those shown), after everything else. */
  showWaiting(waiting: readonly WaitingMessage[]): void;
  /**
   * Returns the message's element (taken out again when it could not be sent and waits in the outbox); one shown waiting with these words begins now, and is no longer shown waiting.
   * `sentAgain`: a Retry of a message other messages came after, shown again above its answer (as the saved conversation shows it).
   */
  addUserMessage(text: string, options?: { sentAgain?: boolean }): HTMLElement;
  /** A command's answer (`/help`, `/status`…), shown as plain text. */
  addCommandResult(text: string): void;
  addError(text: string): void;
  /** Draws (or redraws) a turn's answer; the same LiveTurn always maps to the same element. */
  drawTurn(turn: LiveTurn): void;
  /** The session's `/reasoning on|off`: reasoning is shown (collapsed) only when on; off by default. */
  showReasoning(on: boolean): void;
}

function reasoningBlock(reasoning: string): HTMLDetailsElement {
  // Collapsed by default: the reasoning is there for whoever wants it, never in the way.
  const details = element("details", { className: "reasoning" }, element("summary", { text: "Reasoning" }));
  details.append(element("div", { className: "reasoning-text", text: showBidiControls(reasoning) }));
  return details;
}

function noteElement(kind: string, text: string): HTMLElement {
  return element("p", { className: `note note-${kind}`, text, attributes: { "data-note": kind } });
}

/** The images a user message carried, one chip each: its kind and size ("image · JPEG · 120 KB"); the same for a message saved and one still waiting. */
function imagesElement(images: readonly ShownImage[]): HTMLElement {
  const chips = images.map((image) => element("span", { className: "message-image", text: `image · ${imageKind(image.mediaType)} · ${imageSize(image.bytes)}` }));
  return element("div", { className: "message-images", attributes: { "data-images": String(images.length) } }, ...chips);
}

function imageKind(mediaType: string): string {
  const kind = mediaType.replace(/^image\//, "").toUpperCase();
  return kind === "" ? "unknown kind" : kind;
}

function imageSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

/** The conversation: user messages, answers in markdown (streamed), notes, command answers. */
export function createConversationView(options: ConversationViewOptions): ConversationView {
  const { container, renderMarkdown } = options;
  container.dataset["reasoning"] = "hidden";
  const turnElements = new WeakMap<LiveTurn, HTMLElement>();

  // The view follows the end of the conversation while the reader is there. Any scroll up by the reader stops
  // that at once — a finger moves a few pixels a frame, so "near the end" would pull it back at every streamed
  // piece — and reaching the end again (or sending a message) resumes it. While following, the end stays in
  // sight as the box gets shorter too (a phone's on-screen keyboard opens, the window shrinks).
  let following = true;
  let lastTop = container.scrollTop;
  const { toLatest } = options;
  const showToLatest = (shown: boolean): void => {
    if (shown === !toLatest.hidden) return;
    toLatest.hidden = !shown;
    // Over the foot of the conversation, whatever is under it (the held messages, the message box).
    if (shown) toLatest.style.bottom = `${(toLatest.offsetParent?.getBoundingClientRect().bottom ?? 0) - container.getBoundingClientRect().bottom + 8}px`;
  };
  const scrollToEnd = (): void => {
    following = true;
    showToLatest(false);
    container.scrollTop = container.scrollHeight;
  };
  container.addEventListener("scroll", () => {
    const fromEnd = container.scrollHeight - container.scrollTop - container.clientHeight;
    if (fromEnd <= 2) following = true;
    else if (container.scrollTop < lastTop) following = false;
    lastTop = container.scrollTop;
    if (following) showToLatest(false);
  });
  toLatest.addEventListener("click", scrollToEnd);
  new ResizeObserver(() => {
    if (following) scrollToEnd();
  }).observe(container);
  // What is said or answered goes before the messages still waiting for their turn: they come after it.
  const append = (node: HTMLElement): void => {
    container.insertBefore(node, container.querySelector("[data-waiting]"));
    if (following) scrollToEnd();
    else showToLatest(true);
  };

  const retryButton = (id: string): HTMLButtonElement => {
    const button = element("button", { className: "retry", text: "Retry", attributes: { type: "button", "data-retry": id } });
    button.addEventListener("click", () => {
      // This message's Retry is used; another unanswered one keeps its own.
      const bubble = button.closest(".message");
      bubble?.querySelectorAll(".retry, .note-unanswered").forEach((node) => node.remove());
      button.remove();
      options.onRetry(id);
    });
    return button;
  };

  /** `unanswered`: the message got no answer — its Retry names `id`; `sentAgain`: shown again, above its answer (TranscriptItem.sentAgain). */
  const userMessage = (text: string, shown: { unanswered?: { id: string } | undefined; sentAgain?: boolean | undefined; images?: readonly ShownImage[] | undefined }): HTMLElement => {
    const bubble = element("div", { className: "message user", attributes: { "data-role": "user", role: "article" } });
    if (shown.sentAgain) bubble.setAttribute("data-sent-again", "true");
    bubble.append(element("div", { className: "message-text", text: showBidiControls(text) }));
    if (shown.images?.length) bubble.append(imagesElement(shown.images));
    if (shown.sentAgain) bubble.append(noteElement("again", "sent again"));
    if (shown.unanswered) bubble.append(noteElement("unanswered", "no answer to this message"), retryButton(shown.unanswered.id));
    return bubble;
  };

  const waitingMessage = (message: WaitingMessage): HTMLElement => {
    const bubble = element("div", { className: "message user waiting", attributes: { "data-role": "user", "data-waiting": "true", role: "article" } });
    bubble.append(element("div", { className: "message-text", text: showBidiControls(message.text) }));
    if (message.images?.length) bubble.append(imagesElement(message.images));
    bubble.append(noteElement("waiting", message.why));
    return bubble;
  };

  const assistantMessage = (text: string, reasoning: string | undefined, model: string | undefined): HTMLElement => {
    const bubble = element("div", { className: "message assistant", attributes: { "data-role": "assistant", role: "article" } });
    if (reasoning) bubble.append(reasoningBlock(reasoning));
    const body = element("div", { className: "message-text markdown" });
    body.innerHTML = renderMarkdown(text);
    bubble.append(body);
    if (model) bubble.append(element("div", { className: "message-model", text: model }));
    return bubble;
  };

  const drawTurn = (turn: LiveTurn): void => {
    const existing = turnElements.get(turn);
    const bubble = assistantMessage(turn.text, turn.reasoning || undefined, turn.model);
    bubble.classList.toggle("streaming", !turn.done);
    bubble.setAttribute("data-state", turn.done ? (turn.failed ? "failed" : "done") : "streaming");
    // A screen reader reads the answer once it is whole, not each piece of it as it streams in.
    bubble.setAttribute("aria-busy", turn.done ? "false" : "true");
    if (existing) {
      // Keep an opened reasoning block open while it streams.
      const wasOpen = existing.querySelector("details")?.open ?? false;
      const details = bubble.querySelector("details");
      if (details) details.open = wasOpen;
    }
    if (!turn.done && turn.text === "") bubble.querySelector(".message-text")?.append(element("span", { className: "typing", text: "…" }));
    for (const note of turn.notes) bubble.append(noteElement(note.kind, note.text));
    // Its message's Retry, as the saved conversation gives it (a message in no session, one its state dir could not take, has none).
    if (turn.failed && turn.message !== undefined) bubble.append(retryButton(turn.message));
    if (existing?.isConnected) {
      // Redrawn in place: the same bubble, its unchanged paragraphs the same nodes (a selection in them stays, the
      // conversation's live region is told only of what is new).
      existing.className = bubble.className;
      for (const name of ["data-state", "aria-busy"]) existing.setAttribute(name, bubble.getAttribute(name) ?? "");
      patchChildren(existing, bubble, 2);
      if (following) scrollToEnd();
      else showToLatest(true);
      return;
    }
    turnElements.set(turn, bubble);
    append(bubble);
  };

  return {
    showTranscript: (items) => {
      container.replaceChildren();
      // Every message that got no answer has its Retry, wherever it is (the gateway sends any of them again, by its id).
      for (const item of items) {
        if (item.role === "user") {
          container.append(userMessage(item.text, { unanswered: item.unanswered === true && item.id !== undefined ? { id: item.id } : undefined, sentAgain: item.sentAgain, images: item.images }));
        } else if (item.role === "assistant") {
          const bubble = assistantMessage(item.text, item.reasoning, item.model);
          for (const note of item.notes ?? []) bubble.append(noteElement(note.kind, note.text));
          container.append(bubble);
        }
        else {
          // A turn that got no answer: what it showed before it failed (attempts, tools), then why.
          for (const note of item.notes ?? []) container.append(noteElement(note.kind, note.text));
          container.append(noteElement("notice", item.text));
        }
      }
      if (items.length === 0) {
        container.append(element("p", { className: "empty", text: "No messages yet. Type one below, or /help for the commands." }));
      }
      scrollToEnd();
    },
    showWaiting: (waiting) => {
      container.querySelectorAll("[data-waiting]").forEach((node) => node.remove());
      for (const message of waiting) container.append(waitingMessage(message));
      if (waiting.length > 0) container.querySelector(".empty")?.remove();
    },
    addUserMessage: (text, shown) => {
      container.querySelector(".empty")?.remove();
      [...container.querySelectorAll("[data-waiting]")].find((node) => node.querySelector(".message-text")?.textContent === text)?.remove();
      const message = userMessage(text, { sentAgain: shown?.sentAgain });
      append(message);
      scrollToEnd();
      return message;
    },
    addCommandResult: (text) => append(element("pre", { className: "command-result", text, attributes: { "data-role": "command" } })),
    addError: (text) => append(noteElement("error", text)),
    drawTurn,
    showReasoning: (on) => {
      container.dataset["reasoning"] = on ? "shown" : "hidden";
    },
  };
}
