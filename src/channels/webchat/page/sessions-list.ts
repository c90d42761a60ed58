import { showBidiControls } from "./bidi-controls.js";
import { element, shortTime } from "./dom.js";
import type { SessionListing } from "./wire-types.js";

export interface SessionsList {
  show(sessions: readonly SessionListing[], current: string, busy: ReadonlySet<string>): void;
}

/** The conversation list: newest first, the open one marked (`aria-current`), each a link to `#session=…`. */
export function createSessionsList(container: HTMLElement): SessionsList {
  return {
    show: (sessions, current, busy) => {
      const now = new Date();
      const rows = sessions.map((listing) => {
        const link = element("a", {
          className: "session-link",
          attributes: { href: `#session=${encodeURIComponent(listing.session)}`, "data-session": listing.session },
        });
        // A reset session is listed as what it is now: a new conversation (its old last message is not its last any more).
        const fresh = listing.reset !== undefined && listing.lastText.trim() === "";
        link.append(
          element("span", { className: "session-text", text: showBidiControls(listing.lastText.trim()) || (fresh ? "New conversation" : listing.session) }),
          element("span", {
            className: "session-meta",
            text: `${busy.has(listing.session) ? "answering… · " : ""}${listing.reset ? (fresh ? "reset · " : `${listing.turns} turn${listing.turns === 1 ? "" : "s"} since reset · `) : ""}${shortTime(listing.updated, now)}`,
          }),
        );
        link.title = listing.session;
        if (listing.session === current) link.setAttribute("aria-current", "page");
        return element("li", {}, link);
      });
      container.replaceChildren(...rows);
    },
  };
}
