import { element } from "./dom.js";
import type { LiveTurn } from "./live-turn.js";
import type { TranscriptItem } from "./wire-types.js";

export interface ConversationViewOptions {
  container: HTMLElement;
  renderMarkdown: (source: string) => string;
  /** The "Retry" button of a message that got no answer. */
  onRetry: () => void;
}

export interface ConversationView {
  /** Shows a saved conversation (replacing what is shown). */
  showTranscript(items: readonly TranscriptItem[]): void;
  /** Returns the message's element (taken out again when it could not be sent and waits in the outbox). */
  addUserMessage(text: string): HTMLElement;
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
  details.append(element("div", { className: "reasoning-text", text: reasoning }));
  return details;
}

function noteElement(kind: string, text: string): HTMLElement {
  return element("p", { className: `note note-${kind}`, text, attributes: { "data-note": kind } });
}

/** The conversation: user messages, answers in markdown (streamed), notes, command answers. */
export function createConversationView(options: ConversationViewOptions): ConversationView {
  const { container, renderMarkdown } = options;
  container.dataset["reasoning"] = "hidden";
  const turnElements = new WeakMap<LiveTurn, HTMLElement>();

  const scrollToEnd = (): void => {
    container.scrollTop = container.scrollHeight;
  };
  // Read at the end stays at the end when the box gets shorter (a phone's on-screen keyboard opens, the window shrinks).
  let atEnd = true;
  container.addEventListener("scroll", () => {
    atEnd = container.scrollHeight - container.scrollTop - container.clientHeight < 80;
  });
  new ResizeObserver(() => {
    if (atEnd) scrollToEnd();
  }).observe(container);
  const append = (node: HTMLElement): void => {
    const nearEnd = container.scrollHeight - container.scrollTop - container.clientHeight < 80;
    container.append(node);
    if (nearEnd) scrollToEnd();
  };

  const retryButton = (): HTMLButtonElement => {
    const button = element("button", { className: "retry", text: "Retry", attributes: { type: "button" } });
    button.addEventListener("click", () => options.onRetry());
    return button;
  };

  const userMessage = (text: string, unanswered: boolean): HTMLElement => {
    const bubble = element("div", { className: "message user", attributes: { "data-role": "user" } });
    bubble.append(element("div", { className: "message-text", text }));
    if (unanswered) bubble.append(noteElement("unanswered", "no answer to this message"), retryButton());
    return bubble;
  };

  const assistantMessage = (text: string, reasoning: string | undefined, model: string | undefined): HTMLElement => {
    const bubble = element("div", { className: "message assistant", attributes: { "data-role": "assistant" } });
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
    if (existing) {
      // Keep an opened reasoning block open while it streams.
      const wasOpen = existing.querySelector("details")?.open ?? false;
      const details = bubble.querySelector("details");
      if (details) details.open = wasOpen;
    }
    if (!turn.done && turn.text === "") bubble.querySelector(".message-text")?.append(element("span", { className: "typing", text: "…" }));
    for (const note of turn.notes) bubble.append(noteElement(note.kind, note.text));
    if (turn.failed) bubble.append(retryButton());
    turnElements.set(turn, bubble);
    if (existing?.isConnected) {
      existing.replaceWith(bubble);
      if (container.scrollHeight - container.scrollTop - container.clientHeight < 160) scrollToEnd();
    } else append(bubble);
  };

  return {
    showTranscript: (items) => {
      container.replaceChildren();
      const lastUnanswered = [...items].reverse().find((item) => item.role === "user")?.unanswered === true;
      items.forEach((item, index) => {
        if (item.role === "user") {
          const isLast = !items.slice(index + 1).some((later) => later.role === "user");
          container.append(userMessage(item.text, item.unanswered === true && isLast && lastUnanswered));
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
      });
      if (items.length === 0) {
        container.append(element("p", { className: "empty", text: "No messages yet. Type one below, or /help for the commands." }));
      }
      scrollToEnd();
    },
    addUserMessage: (text) => {
      container.querySelector(".empty")?.remove();
      const message = userMessage(text, false);
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
