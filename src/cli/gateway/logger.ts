import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { pino, type Logger } from "pino";
import { fileSystemFault } from "../../shared/fs-fault.js";
import type { SecretRedactor } from "../../shared/secret-redactor.js";
import { redactLogFields } from "./log-redaction.js";
import { logFileDestination, type LogFileDestination } from "./log-file.js";
import { DEFAULT_ROTATION, rotateIfLarge, type RotationLimits } from "./log-rotation.js";

export interface GatewayLog {
  logger: Logger;
  file: string;
  /** Stops the size checks (at shutdown). */
  close(): void;
}

/**
 * The gateway's structured log: one JSON object a line, appended to `<state dir>/logs/gateway.log`.
 * Message bodies and credentials are removed by field name, and every line passes the secret redactor
 * (keys from the config and the environment) on its way out. A process that runs for weeks keeps it
 * bounded: past `rotation.maxBytes` the file is set aside (`gateway.log.1` … `.<keep>`) and a new one
 * begun. Several gateways may share one state dir (the service and one run in a terminal): rotation
 * is safe when they do it at once, and each writes to whatever file the path names now.
 */
export function gatewayLogger(options: { stateDir: string; secrets?: SecretRedactor | undefined; level?: string | undefined; rotation?: RotationLimits | undefined }): GatewayLog {
  const file = join(options.stateDir, "logs", "gateway.log");
  const rotation = options.rotation ?? DEFAULT_ROTATION;
  // Owner-only, like everything in the state dir: the log names sessions, models and servers.
  // A state dir that cannot take the log (a file, read-only, full, not ours) is said as such: path, cause, fix.
  let destination: LogFileDestination;
  try {
    mkdirSync(join(options.stateDir, "logs"), { recursive: true, mode: 0o700 });
    rotateIfLarge(file, rotation);
    destination = logFileDestination(file);
  } catch (error) {
    throw fileSystemFault(error, { path: file, doing: "open the gateway log" });
  }
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
  const check = setInterval(() => {
    try {
      rotateIfLarge(file, rotation);
    } catch (error) {
      logger.warn({ err: error instanceof Error ? error.message : String(error), file }, "cannot set the log aside: it keeps growing until the next try");
    }
    try {
      destination.follow();
    } catch (error) {
      logger.warn({ err: error instanceof Error ? error.message : String(error), file }, "the log file was set aside or removed and cannot be opened again: lines go to the old file until it can");
    }
  }, rotation.checkMs);
  check.unref();
  return { logger, file, close: () => clearInterval(check) };
}
