import { styleText } from "node:util";
import { SecretRedactor, secretEnvironmentValues } from "../shared/secret-redactor.js";
import { showBidiControls } from "../shared/bidi-controls.js";
import { stripTerminalControls } from "../shared/text.js";
import { redactingStream } from "./redacting-stream.js";
import { invokedAs } from "./invocation.js";
import { shellLine } from "../shared/shell-quote.js";

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
  /**
   * The `--config` the command line gave, as typed (set by main, {@link withChosenConfig}): every hint naming
   * a command that reads the config carries it (see {@link configuredCommand}), so that, pasted, it works on
   * the config the hint was about and not on the default one.
   */
  configFlag?: string | undefined;
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

/** The io a command runs with: it carries the `--config` its command line gave, for the hints it prints. */
export function withChosenConfig(io: CliIo, options: GlobalOptions): CliIo {
  return options.config === undefined ? io : { ...io, configFlag: options.config };
}

type HintIo = Pick<CliIo, "command" | "configFlag">;

/**
 * hearth as typed for a command that reads the config: with the `--config` the user gave, quoted for the
 * shell (`./bin/hearth --config 'my config.json5'`), else as it is run. Placed before the command's own
 * words, as a global option is: one rule for every command. What lower layers get to name such commands
 * (`init`, `gateway …`, `models status --probe`).
 */
export function configuredCommand(io: HintIo): string {
  return io.configFlag === undefined ? io.command : `${io.command} ${shellLine(["--config", io.configFlag])}`;
}

/** hearth's commands that read no config (the state dir's log, sessions, pairing codes and WhatsApp link): named without `--config`. */
const CONFIG_FREE = ["logs", "sessions", "pairing", "channels login", "channels logout"];

/** Whether the command `args` begins with reads the config (everything but {@link CONFIG_FREE}, and no bare `--help`). */
function readsConfig(args: string): boolean {
  const words = args.trimStart();
  if (words.startsWith("-")) return false;
  return !CONFIG_FREE.some((command) => words === command || words.startsWith(`${command} `));
}

/** A command line to show in a hint, named the way the user invoked hearth (with the --config it gave, where the command reads it): `commandLine(io, "init")` → `./bin/hearth init`. */
export function commandLine(io: HintIo, args: string): string {
  return `${readsConfig(args) ? configuredCommand(io) : io.command} ${args}`;
}

/** hearth's commands, as a remedy names them ("hearth models status"); test/cli/typed-commands.test.ts keeps the list true to the program's. */
export const HEARTH_COMMANDS = ["agent", "channels", "chat", "config", "doctor", "gateway", "init", "logs", "models", "pairing", "security", "sessions", "usage"] as const;
const NAMED_COMMAND = new RegExp(`(^|[\\s(\`])hearth (?=((?:${HEARTH_COMMANDS.join("|")})\\b(?: [a-z]+)?))`, "g");

/**
 * Text that names hearth's commands as "hearth …", each written the way the user runs it (`./bin/hearth models …`),
 * with the --config it gave where the command reads the config ({@link commandLine}'s rule); the word in prose ("hearth sends") stays.
 */
export function asTyped(io: HintIo, text: string): string {
  return text.replace(NAMED_COMMAND, (_match, before: string, words: string) => `${before}${readsConfig(words) ? configuredCommand(io) : io.command} `);
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
 * your terminal), and direction controls shown as what they are (`⟨U+202E⟩`), not left to reorder
 * the text on a terminal that applies bidi. JSON output escapes them instead.
 */
export function terminalSafe(text: string): string {
  return showBidiControls(stripTerminalControls(text));
}
