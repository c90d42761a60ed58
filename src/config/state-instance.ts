import { createHash } from "node:crypto";
import { realpathSync } from "node:fs";
import { resolve } from "node:path";

/**
 * Which hearth a gateway is, as its unauthenticated GET /health may say it: a hash of its state
 * directory's real path (never the path: /health answers anyone who reaches the port). A command
 * computes the same from its own HEARTH_STATE_DIR / HOME and so tells "this state dir's gateway" from
 * another hearth that happens to answer on the port.
 */
export function stateInstance(stateDir: string): string {
  let path = resolve(stateDir);
  try {
    path = realpathSync(path);
  } catch {
    // Not created yet: the resolved path is what the gateway will create and report.
  }
  return createHash("sha256").update(`hearth-state\0${path}`).digest("hex").slice(0, 16);
}
