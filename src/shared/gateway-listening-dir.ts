import { join } from "node:path";

/** Where each running gateway of a state dir records where it listens (one `<pid>.json` each: `{ url, pid, … }`). */
export function gatewayListeningDir(stateDir: string): string {
  return join(stateDir, "gateway.listening");
}
