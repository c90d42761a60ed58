import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { pino, type Logger } from "pino";
import type { HearthError } from "../../shared/errors.js";
import { fileSystemFault } from "../../shared/fs-fault.js";
import type { SecretRedactor } from "../../shared/secret-redactor.js";
import { redactLogFields } from "./log-redaction.js";
import { droppedWhy, logFileDestination, type LogFileDestination, type LogTrouble } from "./log-file.js";
import { DEFAULT_ROTATION, rotateIfLarge, type RotationLimits } from "./log-rotation.js";

export interface GatewayLog {
  logger: Logger;
  file: string;
  /** Stops the size checks (at shutdown). */
  close(): void;
  /** Why the log's lines are being dropped now (a full disk), as the user's words (path, cause, fix); undefined while they are written. */
  dropping(): HearthError | undefined;
}

/**
 * The gateway's structured log: one JSON object a line, appended to `<state dir>/logs/gateway.log`.
 * Message bodies and credentials are removed by field name, and every line passes the secret redactor
 * (keys from the config and the environment) on its way out. A process that runs for weeks keeps it
 * bounded: past `rotation.maxBytes` the file is set aside (`gateway.log.1` … `.<keep>`) and a new one
 * begun. One gateway of a state dir writes it (a second one is refused before it opens the log:
 * start-hold.ts); rotation stays safe should two processes do it at once, and each writes to whatever
 * file the path names now.
 * A log that cannot be written (a full disk) never ends the gateway: its lines are dropped and
 * counted, and `onTrouble` hears once that they are, and once that they are written again (how many were lost).
 */
export function gatewayLogger(options: {
  stateDir: string;
  secrets?: SecretRedactor | undefined;
  level?: string | undefined;
  rotation?: RotationLimits | undefined;
  onTrouble?: ((line: string) => void) | undefined;
  /** The process writing beside the gateway (`hearth agent`), named on each of its lines; the gateway's own lines name none. */
  writer?: string | undefined;
}): GatewayLog {
  const file = join(options.stateDir, "logs", "gateway.log");
  const rotation = options.rotation ?? DEFAULT_ROTATION;
  // Owner-only, like everything in the state dir: the log names sessions, models and servers.
  // A state dir that cannot take the log (a file, read-only, full, not ours) is said as such: path, cause, fix.
  let destination: LogFileDestination;
  try {
    mkdirSync(join(options.stateDir, "logs"), { recursive: true, mode: 0o700 });
    rotateIfLarge(file, rotation);
    destination = logFileDestination(file, (trouble) => options.onTrouble?.(troubleLine(file, { trouble, writer: options.writer })));
  } catch (error) {
    throw fileSystemFault(error, { path: file, doing: "open the gateway log" });
  }
  const secrets = options.secrets;
  const logger = pino(
    {
      level: options.level ?? "info",
      base: { pid: process.pid, ...(options.writer === undefined ? {} : { process: options.writer }) },
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
  const dropping = (): HearthError | undefined => {
    const error = destination.dropping();
    return error === undefined ? undefined : writeFault(file, error);
  };
  return { logger, file, close: () => clearInterval(check), dropping };
}

function writeFault(file: string, error: unknown): HearthError {
  return fileSystemFault(error, { path: file, doing: "write the gateway log" });
}

/** What the terminal is told when the log starts dropping lines, and when it is written again. */
function troubleLine(file: string, about: { trouble: LogTrouble; writer: string | undefined }): string {
  const { trouble } = about;
  if (trouble.type === "writing-again") return `the gateway log ${file} can be written again: ${trouble.dropped} line(s) were dropped meanwhile (${droppedWhy(trouble.error)})`;
  const fault = writeFault(file, trouble.error);
  return `${fault.message.replace(/; nothing was written$/, "")} — ${fault.details.join("; ")}; ${about.writer === undefined ? "the gateway keeps serving" : `${about.writer} goes on`}, and drops log lines (counting them) until the log can be written again`;
}
