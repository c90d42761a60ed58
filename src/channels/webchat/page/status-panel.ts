import uPlot from "uplot";
import { element } from "./dom.js";
import { linkCodeFigure } from "./link-code.js";
import type { ChannelView, ProviderHealth } from "./wire-types.js";

const STATE_WORDS: Record<ProviderHealth["state"], string> = {
  up: "up",
  cooling: "cooling down",
  down: "down",
  unknown: "not checked yet",
};

interface ProviderCard {
  root: HTMLElement;
  details: HTMLElement;
  chartBox: HTMLElement;
  chart: uPlot | undefined;
}

export interface StatusPanel {
  update(health: ProviderHealth): void;
  /** The provider is no longer in use: its card goes. */
  remove(provider: string): void;
  replaceAll(providers: readonly ProviderHealth[]): void;
  /** The messaging channels (WhatsApp): enabled, linked, their last state and why, and the QR code to link one that waits for it. */
  showChannels(channels: readonly ChannelView[]): void;
  /** The gateway cannot be reached: what the panel shows is as it was at `since` (marked so), or current again (undefined). */
  markStale(since: Date | undefined): void;
}

function describeChannel(channel: ChannelView): string {
  if (!channel.enabled) return "off";
  const parts = [channel.linked ? "linked" : "not linked", channel.state ?? "not started yet"];
  if (channel.since) parts.push(`since ${new Date(channel.since).toLocaleTimeString()}`);
  return parts.join(" · ");
}

/** A chart's height, and its width where its box is narrower or not laid out (a hidden panel). */
const CHART_HEIGHT = 64;
const CHART_MIN_WIDTH = 160;
const CHART_HIDDEN_WIDTH = 220;

function chartOptions(width: number): uPlot.Options {
  return {
    width,
    height: CHART_HEIGHT,
    legend: { show: false },
    cursor: { show: false },
    // One sample is a point, not a line: give the x scale some width, draw points while they are few, and
    // start the y axis at 0 (else the first latency — the only one for a while — left the chart blank,
    // its axis labelled 0 alone).
    scales: {
      x: { time: false, range: (_chart, min, max) => [min, Math.max(max, min + 1)] },
      y: { range: (_chart, _min, max) => [0, Math.max(1, max) * 1.2] },
    },
    axes: [{ show: false }, { size: 36, space: 18, font: "10px system-ui, sans-serif", ticks: { show: false }, gap: 2 }],
    series: [{}, { label: "first token (ms)", stroke: "#2f6fdb", fill: "rgba(47,111,219,0.15)", width: 1.5, points: { show: (chart) => chart.data[0].length < 3, size: 5 } }],
  };
}

function describe(health: ProviderHealth): string {
  const parts = [health.local ? "local" : "hosted", STATE_WORDS[health.state]];
  if (health.state === "cooling" && health.coolingUntil) parts.push(`until ${new Date(health.coolingUntil).toLocaleTimeString()}`);
  const latest = health.firstTokenMs.at(-1);
  if (latest !== undefined) parts.push(`last first token ${Math.round(latest)} ms`);
  return parts.join(" · ");
}

/** Each provider's health and a small uPlot chart of its recent first-token latencies. */
export function createStatusPanel(container: HTMLElement): StatusPanel {
  const cards = new Map<string, ProviderCard>();
  // A chart is as wide as its box, whenever that changes: the panel shown on a phone (drawn while it was
  // hidden, its box then 0 wide), the window resized, the phone turned.
  const chartWidth = (box: HTMLElement): number => Math.max(CHART_MIN_WIDTH, Math.floor(box.clientWidth) || CHART_HIDDEN_WIDTH);
  const fitted = new ResizeObserver((entries) => {
    for (const entry of entries) {
      const chart = [...cards.values()].find((card) => card.chartBox === entry.target)?.chart;
      const box = entry.target as HTMLElement;
      if (!chart || box.clientWidth === 0) continue;
      const width = chartWidth(box);
      if (width !== chart.width) chart.setSize({ width, height: CHART_HEIGHT });
    }
  });
  const staleNote = element("p", { className: "stale-note", attributes: { role: "note" } });

  const drawChart = (card: ProviderCard, health: ProviderHealth): void => {
    const latencies = [...health.firstTokenMs];
    if (latencies.length === 0) {
      card.chart?.destroy();
      card.chart = undefined;
      card.chartBox.replaceChildren(element("p", { className: "no-latency", text: "no answers yet" }));
      return;
    }
    const data: uPlot.AlignedData = [latencies.map((_, index) => index), latencies];
    if (card.chart) {
      card.chart.setData(data);
      return;
    }
    card.chartBox.replaceChildren();
    card.chart = new uPlot(chartOptions(chartWidth(card.chartBox)), data, card.chartBox);
  };

  const update = (health: ProviderHealth): void => {
    let card = cards.get(health.provider);
    if (!card) {
      const root = element("section", {
        className: "provider",
        attributes: { "data-provider": health.provider, "aria-label": `provider ${health.provider}` },
      });
      const details = element("p", { className: "provider-details" });
      const chartBox = element("div", { className: "provider-chart", attributes: { role: "img" } });
      root.append(element("h3", { text: health.provider }), details, chartBox);
      container.append(root);
      fitted.observe(chartBox);
      card = { root, details, chartBox, chart: undefined };
      cards.set(health.provider, card);
    }
    card.root.setAttribute("data-state", health.state);
    card.details.textContent = describe(health);
    card.chartBox.setAttribute("aria-label", `${health.provider} first-token latency, last ${health.firstTokenMs.length} answers`);
    const reason = card.root.querySelector(".provider-reason");
    if (health.reason) {
      const text = element("p", { className: "provider-reason", text: health.reason });
      if (reason) reason.replaceWith(text);
      else card.details.after(text);
    } else reason?.remove();
    drawChart(card, health);
  };

  const channelCards = new Map<string, HTMLElement>();
  // The QR code drawn last per channel: redrawn only when the code changes.
  const linkCodes = new Map<string, { code: string; figure: HTMLElement }>();
  const showChannels = (channels: readonly ChannelView[]): void => {
    for (const [id, root] of channelCards) {
      if (channels.some((channel) => channel.id === id)) continue;
      root.remove();
      channelCards.delete(id);
    }
    for (const channel of channels) {
      const root = channelCards.get(channel.id) ?? element("section", { className: "channel", attributes: { "data-channel": channel.id, "aria-label": `channel ${channel.id}` } });
      if (!channelCards.has(channel.id)) {
        container.append(root);
        channelCards.set(channel.id, root);
      }
      root.setAttribute("data-state", channel.enabled ? (channel.state ?? "unknown") : "off");
      const lines: HTMLElement[] = [element("h3", { text: channel.id }), element("p", { className: "channel-details", text: describeChannel(channel) })];
      if (channel.enabled && channel.reason) lines.push(element("p", { className: "channel-reason", text: channel.reason }));
      if (channel.enabled && channel.qr) {
        const drawn = linkCodes.get(channel.id);
        const figure = drawn?.code === channel.qr ? drawn.figure : linkCodeFigure(channel.qr);
        linkCodes.set(channel.id, { code: channel.qr, figure });
        lines.push(figure);
      } else linkCodes.delete(channel.id);
      root.replaceChildren(...lines);
    }
  };

  const remove = (provider: string): void => {
    const card = cards.get(provider);
    card?.chart?.destroy();
    if (card) fitted.unobserve(card.chartBox);
    card?.root.remove();
    cards.delete(provider);
  };

  const markStale = (since: Date | undefined): void => {
    if (!since) {
      delete container.dataset["stale"];
      staleNote.remove();
      return;
    }
    container.dataset["stale"] = "true";
    staleNote.textContent = `As last heard at ${since.toLocaleTimeString()}: hearth is not reachable, this may be out of date.`;
    container.prepend(staleNote);
  };

  return {
    update,
    remove,
    showChannels,
    markStale,
    replaceAll: (providers) => {
      for (const name of [...cards.keys()]) if (!providers.some((health) => health.provider === name)) remove(name);
      for (const health of providers) update(health);
    },
  };
}
