import { chmodSync, closeSync, mkdirSync, openSync } from "node:fs";
import { join } from "node:path";
import { pino, type Logger } from "pino";
import type { SecretRedactor } from "../../shared/secret-redactor.js";
import { redactLogFields } from "./log-redaction.js";

/**
 * The gateway's structured log: one JSON object a line, appended to `<state dir>/logs/gateway.log`.
 * Message bodies and credentials are removed by field name, and every line passes the secret redactor
 * (keys from the config and the environment) on its way out.
 */
export function gatewayLogger(options: { stateDir: string; secrets?: SecretRedactor | undefined; level?: string | undefined }): { logger: Logger; file: string } {
  const file = join(options.stateDir, "logs", "gateway.log");
  // Owner-only, like everything in the state dir: the log names sessions, models and servers.
  mkdirSync(join(options.stateDir, "logs"), { recursive: true, mode: 0o700 });
  closeSync(openSync(file, "a", 0o600));
  chmodSync(file, 0o600);
  const destination = pino.destination({ dest: file, sync: true });
  const secrets = options.secrets;
  const logger = pino(
    {
      level: options.level ?? "info",
      base: { pid: process.pid },
      // Message bodies and credentials, by field name (see redactLogFields).
      formatters: { log: redactLogFields },
      hooks: secrets ? { streamWrite: (line) => secrets.redact(line) } : {},
    },
    destination,
  );
  return { logger, file };
}
