/** The gateway settings as the config holds them now (a reload reads them; only a restart applies them). */
export interface ConfiguredSettings {
  corsOrigins: readonly string[];
  allowedHosts: readonly string[];
  token: string | undefined;
  maxBodyBytes: number;
  maxEventSubscribers: number;
}

/**
 * What a refusal needs to tell advice already followed from advice to follow: the gateway keeps the
 * settings it started with, while the config may hold others since a reload (`restartNeeded` of
 * /health). A refusal whose fix is already in the config says so, and how the gateway applies it,
 * instead of asking for the fix again.
 */
export interface PendingSettings {
  /** The settings as the config holds them now; read only when a request is refused. */
  configured: () => ConfiguredSettings;
  /** How this gateway is restarted, in words that end a sentence (`` `hearth gateway restart` `` for the service). */
  restartHow: string;
}

/** Words for a fix that is in the config and waits for the restart: "<what> … applies it at its next restart (how)". */
export function waitsForRestart(pending: PendingSettings, what: string): string {
  return `${what} since the gateway started, which applies it at its next restart (${pending.restartHow})`;
}

/** The origin is in the config's `gateway.cors.origins`, added since the start: the words of its 403, else undefined. */
export function originPending(pending: PendingSettings | undefined, origin: string): string | undefined {
  if (!pending?.configured().corsOrigins.includes(origin)) return undefined;
  return `a web page of another origin (${origin}) may not call this gateway yet: ${waitsForRestart(pending, `"${origin}" was added to gateway.cors.origins in the config`)}`;
}

/** The host name is in the config's `gateway.allowedHosts`, added since the start: the words of its 421, else undefined. */
export function hostPending(pending: PendingSettings | undefined, host: string, name: string | undefined): string | undefined {
  if (name === undefined || !pending?.configured().allowedHosts.some((allowed) => allowed.toLowerCase() === name)) return undefined;
  return `this gateway does not answer to the host name "${host}" yet: ${waitsForRestart(pending, `"${name}" was added to gateway.allowedHosts in the config`)}`;
}

/** The config sets a token the gateway (started without one) does not ask for yet: the fix of a refused `Origin: null`, else undefined. */
export function tokenAddedPending(pending: PendingSettings | undefined): string | undefined {
  if (pending?.configured().token === undefined) return undefined;
  return `${waitsForRestart(pending, "gateway.auth.token was set in the config")}; then have the client send it (Authorization: Bearer …)`;
}

/** The config raises `gateway.limits.<key>` above the running `limit` (to at least `needed`): the words to add, else undefined. */
export function limitRaisedPending(pending: PendingSettings | undefined, options: { key: "maxBodyBytes" | "maxEventSubscribers"; limit: number; needed: number }): string | undefined {
  if (pending === undefined) return undefined;
  const configured = pending.configured()[options.key];
  if (configured <= options.limit || configured < options.needed) return undefined;
  return waitsForRestart(pending, `the config raises gateway.limits.${options.key} to ${configured}`);
}
