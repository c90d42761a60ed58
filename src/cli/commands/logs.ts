import { stateDir } from "../../config/paths.js";
import { followLog, gatewayLogFile, parseLogLine, readLogTail } from "../../ops/gateway-log.js";
import { HearthError } from "../../shared/errors.js";
import { commandLine, painter, terminalSafe, writeLine, type CliIo, type GlobalOptions } from "../io.js";
import { localClock } from "../../shared/local-time.js";

export interface LogsOptions extends GlobalOptions {
  follow?: boolean;
  lines?: string;
}

/** `hearth logs [--follow] [--json] [-n N]`: the gateway's log, pretty (coloured on a terminal), or its raw JSON lines. */
export async function logsCommand(io: CliIo, options: LogsOptions): Promise<number> {
  const count = Number(options.lines ?? "50");
  if (!Number.isInteger(count) || count < 0) throw new HearthError("usage", `--lines: "${options.lines}" is not a count; give a whole number such as 100`);
  const file = gatewayLogFile(stateDir({ env: io.env, cwd: io.cwd }));
  const tail = readLogTail(file, count);
  if (!tail && !options.follow) {
    writeLine(io.stderr, `hearth: no gateway log yet at ${file} (the gateway writes it once it runs: \`${commandLine(io, "gateway")}\`)`);
    return 1;
  }
  const show = (line: string): void => writeLine(io.stdout, options.json ? line : prettyLogLine(io, line));
  for (const line of tail?.lines ?? []) show(line);
  if (!options.follow) return 0;
  const controller = new AbortController();
  const stop = (): void => controller.abort();
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  try {
    for await (const line of followLog(file, { offset: tail?.offset ?? 0, signal: controller.signal })) show(line);
  } finally {
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
  }
  return 0;
}

const LEVEL_STYLE = { trace: "dim", debug: "dim", info: "green", warn: "yellow", error: "red", fatal: "red" } as const;

/** `12:03:04.120 +08:00 INFO  gateway listening  bind=127.0.0.1 port=18790` (local time, its offset); a line that is not JSON, as written (terminal-safe). */
export function prettyLogLine(io: CliIo, line: string): string {
  const record = parseLogLine(line);
  if (!record) return terminalSafe(line);
  const paint = painter(io);
  const time = record.time && !Number.isNaN(record.time.getTime()) ? localClock(record.time, "millisecond") : "--:--:--.--- ------";
  const style = LEVEL_STYLE[record.level as keyof typeof LEVEL_STYLE] ?? "bold";
  const fields = Object.entries(record.fields).map(([key, value]) => `${paint("dim", `${key}=`)}${typeof value === "string" ? value : JSON.stringify(value)}`);
  return terminalSafe(`${paint("dim", time)} ${paint(style, record.level.toUpperCase().padEnd(5))} ${record.message}${fields.length > 0 ? `  ${fields.join(" ")}` : ""}`);
}
