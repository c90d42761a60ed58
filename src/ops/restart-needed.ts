import { isLoopback } from "../config/gateway-address.js";
import type { GatewayConfig } from "../config/schema/index.js";
import { GATEWAY_TOKEN_ADVICE } from "./gateway-token-advice.js";

/** A `gateway` setting the config changed since the gateway started, which it applies only at its next start. */
export interface RestartNeed {
  /** The config key, as written (`gateway.auth.token`); never its value. */
  key: string;
  /** How it changed: `added`, `removed`, `changed`. */
  change: "added" | "removed" | "changed";
  /** What holds until the restart. */
  consequence: string;
}

/** What the gateway started with: its config's gateway section, the --port/--bind it was given (over the config's), and where it listens. */
export interface StartedGateway {
  gateway: GatewayConfig;
  flags: { port?: string | undefined; bind?: string | undefined };
  url: string;
}

/**
 * The gateway settings of `now` (a config loaded since the start) that differ from what the gateway started
 * with, each with what holds until it is restarted: a running gateway keeps its address, its token and its
 * limits. A --port or --bind it was started with is over the config's, so an edit of that one needs nothing.
 */
export function restartNeeds(started: StartedGateway, now: GatewayConfig): RestartNeed[] {
  const needs: RestartNeed[] = [];
  const before = started.gateway;
  const token = { before: before.auth.token, now: now.auth.token };
  if (token.before !== token.now) {
    if (token.before === undefined) needs.push({ key: "gateway.auth.token", change: "added", consequence: "the gateway asks for no token: the API and the web chat answer anyone who reaches them" });
    else if (token.now === undefined) needs.push({ key: "gateway.auth.token", change: "removed", consequence: "the gateway still asks for the old token" });
    else needs.push({ key: "gateway.auth.token", change: "changed", consequence: "the gateway asks for the old token, and refuses the new one" });
  }
  if (started.flags.port === undefined && before.port !== now.port) needs.push({ key: "gateway.port", change: "changed", consequence: `the gateway listens at ${started.url}/, not on port ${now.port}` });
  if (started.flags.bind === undefined && before.bind !== now.bind) needs.push({ key: "gateway.bind", change: "changed", consequence: `the gateway listens at ${started.url}/, not on ${now.bind}` });
  const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);
  if (!same(before.allowedHosts, now.allowedHosts)) needs.push({ key: "gateway.allowedHosts", change: "changed", consequence: "the gateway answers to the host names it started with" });
  if (!same(before.cors, now.cors)) needs.push({ key: "gateway.cors.origins", change: "changed", consequence: "the gateway allows the browser origins it started with" });
  if (!same(before.limits, now.limits)) needs.push({ key: "gateway.limits", change: "changed", consequence: "the gateway keeps the request limits it started with" });
  // A restart with the config as it is now would be refused (beyond loopback, no token): said on the need that made it so.
  const bind = started.flags.bind ?? now.bind;
  if (!isLoopback(bind) && now.auth.token === undefined) {
    const cause = needs.find((need) => need.key === "gateway.bind" || need.key === "gateway.auth.token");
    if (cause) cause.consequence += `; and a start with the config as it is now is refused (${bind} is not loopback and gateway.auth.token is not set): write a token first — ${GATEWAY_TOKEN_ADVICE}`;
  }
  return needs;
}

/** One need, as `gateway status`, `doctor` and the gateway's own terminal say it. */
export function restartNeedLine(need: RestartNeed): string {
  return `${need.key} changed in the config since the gateway started${need.change === "changed" ? "" : ` (${need.change === "added" ? "set" : "removed"})`}; until then ${need.consequence}`;
}

/** The `restartNeeded` of a /health body: what a gateway of this version says (anything else is left out). */
export function restartNeedsOf(value: unknown): RestartNeed[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((item: unknown) => {
    const need = item as Partial<RestartNeed> | null;
    return need && typeof need.key === "string" && typeof need.consequence === "string" && (need.change === "added" || need.change === "removed" || need.change === "changed") ? [{ key: need.key, change: need.change, consequence: need.consequence }] : [];
  });
}
