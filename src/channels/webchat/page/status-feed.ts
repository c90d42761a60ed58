import type { ApiClient } from "./api-client.js";
import type { GatewayLink } from "./gateway-link.js";
import { fillPickers } from "./pickers.js";
import type { StatusPanel } from "./status-panel.js";
import type { StatusResponse } from "./wire-types.js";

/** How often the status is read again while a messaging channel waits to be linked (its QR code changes). */
const LINK_POLL_MS = 3_000;

export interface StatusFeedOptions {
  api: ApiClient;
  link: GatewayLink;
  panel: StatusPanel;
  pickers: Parameters<typeof fillPickers>[0];
  /** What a read found beside the panel's: the models (for the picks' names) and the setup problems (the banner's). */
  onStatus: (status: StatusResponse) => void;
  reportError: (error: unknown) => void;
}

/**
 * The status panel's feed: `load` reads the gateway's status and draws it (providers, channels, pickers); while a
 * channel waits to be linked it is read again every few seconds. While the gateway is away the panel shows it as it
 * was, marked stale since it went, until a read once it is back.
 */
export function createStatusFeed(options: StatusFeedOptions): { load: () => Promise<void> } {
  const { api, panel } = options;
  let linkPoll: ReturnType<typeof setTimeout> | undefined;
  /** Since when the panel shows what it heard before the gateway went away; undefined: it is current. */
  let staleSince: Date | undefined;
  const load = async (): Promise<void> => {
    const status = await api.status();
    staleSince = undefined;
    panel.markStale(undefined);
    fillPickers(options.pickers, status);
    panel.replaceAll(status.providers);
    panel.showChannels(status.channels ?? []);
    options.onStatus(status);
    clearTimeout(linkPoll);
    if ((status.channels ?? []).some((channel) => channel.enabled && !channel.linked)) {
      linkPoll = setTimeout(() => load().catch(options.reportError), LINK_POLL_MS);
    }
  };
  options.link.watch((state) => {
    if (state.kind === "up") return;
    staleSince ??= new Date();
    panel.markStale(staleSince);
  });
  return { load };
}
