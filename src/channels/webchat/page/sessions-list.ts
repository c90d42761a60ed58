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
        link.append(
          element("span", { className: "session-text", text: listing.lastText.trim() || listing.session }),
          element("span", {
            className: "session-meta",
            text: `${busy.has(listing.session) ? "answering… · " : ""}${shortTime(listing.updated, now)}`,
          }),
        );
        if (listing.session === current) link.setAttribute("aria-current", "page");
        return element("li", {}, link);
      });
      container.replaceChildren(...rows);
    },
  };
}
