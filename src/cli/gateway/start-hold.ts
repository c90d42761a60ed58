import { lockGateway, type GatewayLock } from "../../ops/gateway-lock.js";
import { VERSION } from "../../shared/version.js";
import { configuredCommand, writeLine, type CliIo } from "../io.js";
import { gatewayLogger, type GatewayLog } from "./logger.js";

/**
 * A gateway's start on its state dir: the dir's gateway lock first — one gateway per state dir, for its
 * whole life — then its log. A second gateway refused by the lock writes nothing into `logs/gateway.log`
 * (the running gateway's: its lines, its rotation) and says why on its own stderr alone (the CLI's error);
 * a start waiting for a stopping one says so on its stdout, and in the log once it holds the lock. The
 * log's first line is the check that it can be written: a state dir whose disk is full stops the start
 * there, saying which file, why and the fix (the lock let go). Lines the log cannot take while the
 * gateway serves (a full disk) are dropped, said on stderr once, and once when it is written again.
 */
export async function holdStateDir(options: { io: CliIo; stateDir: string }): Promise<{ held: GatewayLock; log: GatewayLog }> {
  const { io, stateDir } = options;
  /** The log, once the lock is held (a lock lost later is logged; none is before the log opens). */
  let opened: GatewayLog | undefined;
  const waited: string[] = [];
  const held = await lockGateway({
    stateDir,
    command: configuredCommand(io),
    onLost: (message) => {
      opened?.logger.warn({ err: message }, "state dir lock lost");
      writeLine(io.stderr, `hearth: warning: ${message}`);
    },
    onWait: (message) => {
      waited.push(message);
      writeLine(io.stdout, message);
    },
  });
  const trouble = { starting: true };
  try {
    opened = gatewayLogger({ stateDir, secrets: io.secrets, level: io.env.HEARTH_LOG_LEVEL, onTrouble: (line) => {
        if (!trouble.starting) writeLine(io.stderr, `hearth: warning: ${line}`);
      },
    });
  } catch (error) {
    await held.release();
    throw error;
  }
  const log = opened;
  log.logger.info({ version: VERSION }, "gateway starting");
  const unwritable = log.dropping();
  if (unwritable) {
    log.close();
    await held.release();
    throw unwritable;
  }
  trouble.starting = false;
  for (const message of waited) log.logger.info({}, message);
  return { held, log };
}
