import { Command, CommanderError, Option } from "commander";
import { exitCodeFor, isHearthError } from "../shared/errors.js";
import { processIo, writeLine, type CliIo, type GlobalOptions } from "./io.js";
import { VERSION } from "../shared/version.js";

/**
 * The composition root: argv → command. Command modules load lazily so that a command pays only
 * for what it uses (no HTTP server or wire protocol behind `models list`).
 */
export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  let exitCode = 0;
  const program = new Command("hearth")
    .description("A local-first personal AI assistant gateway: your own model server first, hosted models as fallbacks.")
    .version(VERSION, "-v, --version")
    .option("--config <file>", "config file (else $HEARTH_CONFIG, else ~/.hearth/hearth.json5)")
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    });

  const run = (load: () => Promise<(io: CliIo, options: never) => number | Promise<number>>) =>
    async (...args: unknown[]): Promise<void> => {
      const command = args[args.length - 1] as Command;
      const options = command.optsWithGlobals<GlobalOptions>();
      const handler = await load();
      exitCode = await handler(io, options as never);
    };
  const runWithArgument = (load: () => Promise<(io: CliIo, options: never, argument: string) => number | Promise<number>>) =>
    async (argument: string, ...rest: unknown[]): Promise<void> => {
      const command = rest[rest.length - 1] as Command;
      const handler = await load();
      exitCode = await handler(io, command.optsWithGlobals() as never, argument);
    };
  const json = new Option("--json", "print one JSON document on stdout");

  const config = program.command("config").description("check, show or locate the config file");
  config
    .command("validate")
    .description("check the config: syntax, keys, values, model references")
    .addOption(json)
    .action(run(async () => (await import("./commands/config.js")).configValidate));
  config
    .command("show")
    .description("print the effective config (defaults applied, built-in providers merged, secrets as ***)")
    .addOption(json)
    .action(run(async () => (await import("./commands/config.js")).configShow));
  config
    .command("path")
    .description("print where the config file is read from")
    .addOption(json)
    .action(run(async () => (await import("./commands/config.js")).configPath));

  const models = program.command("models").description("the models hearth can use");
  models
    .command("list")
    .description("the agent's chain and aliases (--all: the whole catalog; --local: local providers only)")
    .addOption(json)
    .option("--all", "every model of every provider")
    .option("--local", "only providers on this machine or a private network")
    .action(run(async () => (await import("./commands/models-list.js")).modelsList));

  models
    .command("status")
    .description("the resolved chain and keys; --probe asks each server: reachable, listed, loaded, context")
    .addOption(json)
    .option("--probe", "ask each provider: reachability, model listing, LM Studio load state and context")
    .option("--first-token", "also send one tiny real request per model and time its first token (implies --probe)")
    .action(run(async () => (await import("./commands/models-status.js")).modelsStatusCommand));

  program
    .command("agent")
    .description("one turn: send a message, print the final answer")
    .option("-m, --message <text>", "what to say")
    .option("-s, --session <key>", "the session to continue (default: main)")
    .option("--agent <id>", "which agent answers (default: main)")
    .option("--model <ref|alias>", "answer with this model first, this turn only")
    .option("--new", "start a fresh conversation first (like /new; the transcript keeps the old one)")
    .option("--retry", "send the session's last message again when it got no answer")
    .addOption(json)
    .action(run(async () => (await import("./commands/agent.js")).agentCommand));

  program
    .command("chat")
    .description("an interactive chat in the terminal (works in a pipe too)")
    .option("-s, --session <key>", "the session to continue (default: main)")
    .option("--agent <id>", "which agent answers (default: main)")
    .action(run(async () => (await import("./commands/chat.js")).chatCommand));

  const sessions = program.command("sessions").description("conversation transcripts");
  sessions
    .command("list")
    .description("every session with its last message, turns and cost")
    .addOption(json)
    .action(run(async () => (await import("./commands/sessions.js")).sessionsList));
  sessions
    .command("show <key>")
    .description("a session's transcript")
    .addOption(json)
    .action(runWithArgument(async () => (await import("./commands/sessions.js")).sessionsShow));
  sessions
    .command("export <key>")
    .description("a session's whole transcript as Markdown or JSON")
    .option("--format <format>", "md or json", "md")
    .action(runWithArgument(async () => (await import("./commands/sessions.js")).sessionsExport));
  sessions
    .command("reset <key>")
    .description("start the session afresh (as /new: the transcript keeps what came before)")
    .addOption(json)
    .action(runWithArgument(async () => (await import("./commands/sessions.js")).sessionsReset));
  sessions
    .command("delete <key>")
    .description("delete a session's file (asks first; --yes to skip the question, required in a pipe)")
    .option("-y, --yes", "delete without asking")
    .addOption(json)
    .action(runWithArgument(async () => (await import("./commands/sessions.js")).sessionsDelete));

  const gateway = program
    .command("gateway")
    .description("run the gateway: the web chat, the HTTP API and live events on 127.0.0.1:18790 (install: keep it running)")
    .option("--port <port>", "TCP port (default: gateway.port, else 18790; 0 picks a free one)")
    .option("--bind <address>", "address to listen on (default: gateway.bind, else 127.0.0.1; others need gateway.auth.token)")
    .action(run(async () => (await import("./commands/gateway.js")).gatewayCommand));
  gateway
    .command("install")
    .description("install and start the gateway as a per-user service (systemd user unit on Linux, launchd agent on macOS)")
    .addOption(json)
    .action(run(async () => (await import("./commands/gateway-service.js")).gatewayInstall));
  gateway
    .command("uninstall")
    .description("stop the gateway service and remove it")
    .addOption(json)
    .action(run(async () => (await import("./commands/gateway-service.js")).gatewayUninstall));
  gateway
    .command("status")
    .description("whether the gateway runs (GET /health), where it listens, and whether the service is installed")
    .addOption(json)
    .action(run(async () => (await import("./commands/gateway-service.js")).gatewayStatus));

  program
    .command("init")
    .description("write a commented starter config (local LM Studio first, hosted fallbacks); never overwrites")
    .addOption(json)
    .action(run(async () => (await import("./commands/init.js")).init));

  try {
    await program.parseAsync(argv as string[], { from: "user" });
    if (argv.length === 0) program.outputHelp();
    return exitCode;
  } catch (error) {
    return reportError(error, io, argv.includes("--json"));
  }
}


function reportError(error: unknown, io: CliIo, json: boolean): number {
  if (error instanceof CommanderError) {
    if (error.code === "commander.helpDisplayed" || error.code === "commander.version" || error.code === "commander.help") return 0;
    if (json) io.stdout.write(`${JSON.stringify({ error: error.message.replace(/^error: /, ""), exitCode: 2 })}\n`);
    return 2;
  }
  if (json) {
    // --json promises one JSON document on stdout, failures included; the human text still goes to stderr.
    const message = error instanceof Error ? error.message : String(error);
    io.stdout.write(`${JSON.stringify({ error: message, details: isHearthError(error) ? error.details : [], exitCode: exitCodeFor(error) }, null, 2)}\n`);
  }
  if (isHearthError(error)) {
    writeLine(io.stderr, `hearth: ${error.message}`);
    for (const line of error.details) writeLine(io.stderr, `  ${line}`);
    return exitCodeFor(error);
  }
  const message = error instanceof Error ? error.message : String(error);
  writeLine(io.stderr, `hearth: unexpected error: ${message}`);
  if (io.env.HEARTH_DEBUG && error instanceof Error && error.stack) writeLine(io.stderr, error.stack);
  else writeLine(io.stderr, "  (set HEARTH_DEBUG=1 to see where it happened, and please report it)");
  return 1;
}
