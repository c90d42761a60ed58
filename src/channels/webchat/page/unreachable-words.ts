/**
 * Why a request did not reach the gateway, in words: a browser's fetch fails with a TypeError whose
 * message is its own jargon ("Failed to fetch", "NetworkError when attempting to fetch resource.",
 * "Load failed") and says nothing more — the connection was refused or dropped.
 */
export function unreachableWhy(error: unknown): string {
  if (error instanceof TypeError) return "no connection (hearth is stopped, restarting, or the network is down)";
  return error instanceof Error ? error.message : String(error);
}
