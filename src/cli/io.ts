import { styleText } from "node:util";
import { SecretRedactor, secretEnvironmentValues } from "../shared/secret-redactor.js";
import { stripTerminalControls } from "../shared/text.js";
import { redactingStream } from "./redacting-stream.js";
import { invokedAs } from "./invocation.js";

/** What a command may touch of the outside world; tests and the composition root provide it. */
export interface CliIo {
  env: NodeJS.ProcessEnv;
  cwd: string;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  /** Masks secrets in stdout and stderr; commands add the config's secrets once it is loaded. */
  secrets?: SecretRedactor;
  /** How the user runs hearth (`hearth`, `./bin/hearth`, `npx hearth`): every hint names it so (see {@link commandLine}). */
  command: string;
}

export interface GlobalOptions {
  config?: string;
  json?: boolean;
}

export function processIo(): CliIo {
  const cwd = process.cwd();
  const command = invokedAs({ script: process.argv[1] ?? "hearth", env: process.env, cwd });
  const secrets = new SecretRedactor(secretEnvironmentValues(process.env));
  return { env: process.env, cwd, stdin: process.stdin, stdout: redactingStream(process.stdout, secrets), stderr: redactingStream(process.stderr, secrets), secrets, command };
}

/** A command line to show in a hint, named the way the user invoked hearth: `commandLine(io, "init")` → `./bin/hearth init`. */
export function commandLine(io: Pick<CliIo, "command">, args: string): string {
  return `${io.command} ${args}`;
}

/** hearth's commands, as a remedy names them ("hearth models status"); test/cli/typed-commands.test.ts keeps the list true to the program's. */
export const HEARTH_COMMANDS = ["agent", "channels", "chat", "config", "doctor", "gateway", "init", "logs", "models", "pairing", "security", "sessions", "usage"] as const;
const NAMED_COMMAND = new RegExp(`(^|[\\s(\`])hearth (?=(?:${HEARTH_COMMANDS.join("|")})\\b)`, "g");

/** Text that names hearth's commands as "hearth …", each written the way the user runs it (`./bin/hearth models …`); the word in prose ("hearth sends") stays. */
export function asTyped(io: Pick<CliIo, "command">, text: string): string {
  return text.replace(NAMED_COMMAND, `$1${io.command} `);
}

export function writeLine(stream: NodeJS.WritableStream, line = ""): void {
  stream.write(`${line}\n`);
}

/** Exactly one JSON document on stdout. */
export function writeJson(io: CliIo, value: unknown): void {
  io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

type Style = "bold" | "dim" | "red" | "yellow" | "green" | "cyan";

/** Styles text only on a TTY, and never when NO_COLOR is set. */
export function painter(io: CliIo, stream: "stdout" | "stderr" = "stdout"): (style: Style, text: string) => string {
  const tty = Boolean(io[stream].isTTY);
  const enabled = tty && !("NO_COLOR" in io.env) && io.env.TERM !== "dumb";
  return (style, text) => (enabled ? styleText(style, text) : text);
}

/** Plain text columns, left-aligned, two spaces apart. */
export function formatTable(headers: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = headers.map((header, column) => Math.max(header.length, ...rows.map((row) => (row[column] ?? "").length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
      .join("  ")
      .trimEnd();
  return [line(headers), ...rows.map(line)];
}

/**
 * Model (and tool) text for human eyes, on a terminal or through a pipe that may end in one (`| less -R`,
 * `| tee`): no escape sequences or control characters (a reply must not retitle, clear or paste into
 * your terminal). JSON output escapes them instead.
 */
export function terminalSafe(text: string): string {
  return stripTerminalControls(text);
}
