import type { GatewayLink } from "./gateway-link.js";
import { linkBannerText } from "./link-state.js";

/**
 * One banner while the gateway is away — stopping, restarting, not reachable — with the time to the
 * next try counting down and *Retry now*; hidden the moment it answers again.
 */
export function showLinkBanner(options: { banner: HTMLElement; text: HTMLElement; retry: HTMLButtonElement; link: GatewayLink }): void {
  const { banner, text, link } = options;
  let ticker: ReturnType<typeof setInterval> | undefined;
  const draw = (): void => {
    const state = link.state();
    if (state.kind === "up") {
      banner.hidden = true;
      delete banner.dataset["state"];
      clearInterval(ticker);
      ticker = undefined;
      return;
    }
    banner.hidden = false;
    banner.dataset["state"] = state.kind === "down" && state.afterStop ? "restarting" : state.kind;
    text.textContent = linkBannerText(state, Date.now());
    ticker ??= setInterval(draw, 1000);
  };
  options.retry.addEventListener("click", () => link.retryNow());
  link.watch(draw);
}
