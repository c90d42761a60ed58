import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { DEFAULT_GATEWAY_PORT } from "../../config/schema/gateway-section.js";
import { gatewayListeningDir } from "../../shared/gateway-listening-dir.js";

/**
 * The ports hearth's gateways listen on, on this machine: the default one, and each that a gateway of
 * this state dir recorded (its `--port`, `gateway.port`). Read at every check: a gateway started after
 * the agent is known at once. A record it cannot read counts for nothing.
 */
export function gatewayPorts(stateDir: string): Set<number> {
  const ports = new Set([DEFAULT_GATEWAY_PORT]);
  const dir = gatewayListeningDir(stateDir);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return ports;
  }
  for (const name of names) {
    if (!name.endsWith(".json")) continue;
    try {
      const url = (JSON.parse(readFileSync(join(dir, name), "utf8")) as { url?: unknown }).url;
      if (typeof url !== "string") continue;
      const parsed = new URL(url);
      ports.add(parsed.port === "" ? (parsed.protocol === "https:" ? 443 : 80) : Number(parsed.port));
    } catch {
      continue;
    }
  }
  return ports;
}
