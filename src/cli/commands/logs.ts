import { stateDir } from "../../config/paths.js";
import { followLog, gatewayLogFile, parseLogLine, readLogTail } from "../../ops/gateway-log.js";
import { HearthError } from "../../shared/errors.js";
import { commandLine, painter, terminalSafe, writeLine, type CliIo, type GlobalOptions } from "../io.js";
import { localClock } from "../../shared/local-time.js";
import { escapeControlCharacters } from "../../shared/text.js";

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
  const fields = Object.entries(record.fields).map(([key, value]) => `${paint("dim", `${key}=`)}${fieldValue(value)}`);
  const message = PLAIN_MESSAGE.test(record.message) ? record.message : quoted(record.message);
  return terminalSafe(`${paint("dim", time)} ${paint(style, record.level.toUpperCase().padEnd(5))} ${message}${fields.length > 0 ? `  ${fields.join(" ")}` : ""}`);
}

// eslint-disable-next-line no-control-regex -- control characters are what a value written bare must not hold
const PLAIN_VALUE = /^[^\s"=\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]+$/;
// eslint-disable-next-line no-control-regex -- as PLAIN_VALUE, spaces allowed: a message is words
const PLAIN_MESSAGE = /^[^\t\n\v\f\r\u0000-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]*$/;

/**
 * A field's value as written on its one line: bare when it is one plain word, else quoted and escaped
 * as JSON — a value from a request or a model server (a `model` holding a line break, an error body
 * with escape codes) can neither start a line of its own nor pass for more fields (`status=200`).
 */
function fieldValue(value: unknown): string {
  if (typeof value !== "string") return JSON.stringify(value) ?? String(value);
  return PLAIN_VALUE.test(value) ? value : quoted(value);
}

/** JSON's quoting, with what JSON leaves bare and a terminal would obey or break a line at (C1 controls, U+2028/9, bidi) escaped too. */
function quoted(text: string): string {
  return escapeControlCharacters(JSON.stringify(text)).replace(/[\u2028\u2029]/g, (character) => `\\u${character.charCodeAt(0).toString(16)}`);
}
