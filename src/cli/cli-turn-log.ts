import type { TurnLog, TurnLogFields } from "../gateway/turn-log.js";
import { isHearthError } from "../shared/errors.js";
import type { SecretRedactor } from "../shared/secret-redactor.js";
import type { GatewayLog } from "./gateway/logger.js";

/**
 * The turn lines of `hearth agent` and `hearth chat`, which run their turns in their own process: the
 * same line the gateway writes for a turn (turn-log.ts), appended to the same log
 * (`<state dir>/logs/gateway.log`) with the process named (`process: "hearth agent"`), so that the log
 * says what answered and what failed over whichever process ran the turn. Beside a running gateway
 * this is safe: each line is one `O_APPEND` write, and each writer follows the file the path names
 * when the other sets it aside (log-file.ts, log-rotation.ts).
 * The log is opened at the first turn's line (a command such as `/status`, or bad usage, opens none,
 * and loads no logger).
 * A log that cannot be opened or written never fails the command: it says so once on stderr.
 */
export class CliTurnLog {
  /** The log, opened at the first line (pino is loaded then: a command that runs no turn never pays for it); undefined when it cannot be. */
  private opening: Promise<GatewayLog | undefined> | undefined;
  private closed = false;

  constructor(private readonly options: { stateDir: string; writer: "hearth agent" | "hearth chat"; secrets?: SecretRedactor | undefined; level?: string | undefined; onWarning: (message: string) => void }) {}

  readonly write: TurnLog = (fields: TurnLogFields): void => {
    this.opening ??= this.open();
    // In order: each line waits for the one opening, then is written whole at once.
    void this.opening.then((log) => {
      if (!log) return;
      log.logger.info(fields, "turn");
      // A line written after the command closed (a turn's line goes out just after its answer): no size checks left running.
      if (this.closed) log.close();
    });
  };

  /** Stops the log's size checks (the command is done). */
  close(): void {
    this.closed = true;
    void this.opening?.then((log) => log?.close());
  }

  private async open(): Promise<GatewayLog | undefined> {
    const { onWarning } = this.options;
    try {
      const { gatewayLogger } = await import("./gateway/logger.js");
      return gatewayLogger({ stateDir: this.options.stateDir, secrets: this.options.secrets, level: this.options.level, writer: this.options.writer, onTrouble: onWarning });
    } catch (error) {
      const words = isHearthError(error) ? [error.message, ...error.details].join(" — ") : error instanceof Error ? error.message : String(error);
      onWarning(`${words} (the turn's log line is not written; its answer is not affected)`);
      return undefined;
    }
  }
}
