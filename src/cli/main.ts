import { Command, CommanderError, Option } from "commander";
import { exitCodeFor, isHearthError } from "../shared/errors.js";
import { describeCommand } from "./describe-command.js";
import { suggestSubcommands } from "./command-suggestions.js";
import { commandLine, processIo, withChosenConfig, writeLine, type CliIo, type GlobalOptions } from "./io.js";
import { VERSION } from "../shared/version.js";

/**
 * The composition root: argv → command. Command modules load lazily so that a command pays only
 * for what it uses (no HTTP server or wire protocol behind `models list`).
 */
export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  let exitCode = 0;
  const json = argv.includes("--json");
  const program = new Command("hearth")
    .description("A local-first personal AI assistant gateway: your own model server first, hosted models as fallbacks.")
    .addOption(new Option("-v, --version", "print the version (with --json: { name, version })"))
    .option("--config <file>", "config file (else $HEARTH_CONFIG, else ~/.hearth/hearth.json5)")
    .showHelpAfterError(`(run ${commandLine(io, "--help")} for usage)`)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    });
  program.name(io.command);
  // --json promises one JSON document on stdout: help and version included.
  if (json) program.configureHelp({ formatHelp: (command, helper) => `${JSON.stringify(describeCommand(command, helper), null, 2)}\n` });
  program.on("option:version", () => {
    io.stdout.write(json ? `${JSON.stringify({ name: "hearth", version: VERSION })}\n` : `${VERSION}\n`);
    throw new CommanderError(0, "commander.version", VERSION);
  });

  const run = (load: () => Promise<(io: CliIo, options: never) => number | Promise<number>>) =>
    async (...args: unknown[]): Promise<void> => {
      const command = args[args.length - 1] as Command;
      const options = command.optsWithGlobals<GlobalOptions>();
      const handler = await load();
      exitCode = await handler(withChosenConfig(io, options), options as never);
    };
  const runWithArgument = (load: () => Promise<(io: CliIo, options: never, argument: string) => number | Promise<number>>) =>
    async (argument: string, ...rest: unknown[]): Promise<void> => {
      const command = rest[rest.length - 1] as Command;
      const options = command.optsWithGlobals<GlobalOptions>();
      const handler = await load();
      exitCode = await handler(withChosenConfig(io, options), options as never, argument);
    };
  const jsonOption = new Option("--json", "print one JSON document on stdout");

  const config = program.command("config").description("check, show or locate the config file");
  config
    .command("validate")
    .description("check the config: syntax, keys, values, model references")
    .addOption(jsonOption)
    .action(run(async () => (await import("./commands/config.js")).configValidate));
  config
    .command("show")
    .description("print the effective config (defaults applied, built-in providers merged, secrets as ***)")
    .addOption(jsonOption)
    .action(run(async () => (await import("./commands/config-show.js")).configShow));
  config
    .command("path")
    .description("print where the config file is read from")
    .addOption(jsonOption)
    .action(run(async () => (await import("./commands/config.js")).configPath));

  const models = program.command("models").description("the models hearth can use");
  models
    .command("list")
    .description("the agent's chain and aliases (--all: the whole catalog; --local: local providers only)")
    .addOption(jsonOption)
    .option("--all", "every model of every provider")
    .option("--local", "only providers on this machine or a private network")
    .action(run(async () => (await import("./commands/models-list.js")).modelsList));

  models
    .command("status")
    .description("the resolved chain and keys; --probe asks each server: reachable, listed, loaded, context")
    .addOption(jsonOption)
    .option("--probe", "ask each provider: reachability, model listing, LM Studio load state and context")
    .option("--first-token", "also send one tiny real request per model and time its first token (implies --probe)")
    .action(run(async () => (await import("./commands/models-status.js")).modelsStatusCommand));

  models
    .command("discover")
    .description("find model servers on this machine (LM Studio, vLLM, llama.cpp, Ollama) and what they serve; --write adds them to the config")
    .option("--url <url>", "ask this server instead of the usual ports (repeatable)", (value: string, previous: string[] = []) => [...previous, value])
    .option("--write", "add the provider blocks to the config file (keeps its comments)")
    .addOption(jsonOption)
    .action(run(async () => (await import("./commands/models-discover.js")).modelsDiscover));
  models
    .command("load <ref>")
    .description("ask LM Studio to load a model (with --context tokens) and wait until it is ready")
    .option("--context <tokens>", "context length to load it with (default: the model's contextWindow)")
    .option("--ttl <seconds>", "unload it after this many idle seconds")
    .option("--url <url>", "the LM Studio server, when REF is its model key rather than a configured model")
    .addOption(jsonOption)
    .action(runWithArgument(async () => (await import("./commands/models-load.js")).modelsLoad));
  models
    .command("unload <ref>")
    .description("ask LM Studio to unload a model (every loaded instance)")
    .option("--url <url>", "the LM Studio server, when REF is its model key rather than a configured model")
    .addOption(jsonOption)
    .action(runWithArgument(async () => (await import("./commands/models-load.js")).modelsUnload));

  program
    .command("doctor")
    .description("check config, model servers, context, keys, fallbacks, gateway, permissions, cooldowns and disk; exit 1 on an error")
    .option("--fix", "apply the fixes that cannot lose anything (owner-only permissions, expired cooldowns)")
    .addOption(jsonOption)
    .action(run(async () => (await import("./commands/doctor.js")).doctorCommand));

  program
    .command("agent")
    .description("one turn: send a message, print the final answer")
    .option("-m, --message <text>", "what to say; - (or no -m, with stdin not a terminal) reads it from stdin")
    .option("-s, --session <key>", "the session to continue (default: main)")
    .option("--agent <id>", "which agent answers (default: main)")
    .option("--model <ref|alias>", "answer with this model first, this turn only")
    .option("--new", "start a fresh conversation first (like /new; the transcript keeps the old one)")
    .option("--retry", "send again the session's latest message that got no answer")
    .addOption(jsonOption)
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
    .addOption(jsonOption)
    .action(run(async () => (await import("./commands/sessions.js")).sessionsList));
  sessions
    .command("show <key>")
    .description("a session's transcript")
    .addOption(jsonOption)
    .action(runWithArgument(async () => (await import("./commands/sessions.js")).sessionsShow));
  sessions
    .command("export <key>")
    .description("a session's whole transcript as Markdown or JSON")
    .option("--format <format>", "md or json", "md")
    .action(runWithArgument(async () => (await import("./commands/sessions.js")).sessionsExport));
  sessions
    .command("reset <key>")
    .description("start the session afresh (as /new: the transcript keeps what came before)")
    .addOption(jsonOption)
    .action(runWithArgument(async () => (await import("./commands/sessions.js")).sessionsReset));
  sessions
    .command("delete <key>")
    .description("delete a session's file (asks first; --yes to skip the question, required in a pipe)")
    .option("-y, --yes", "delete without asking")
    .addOption(jsonOption)
    .action(runWithArgument(async () => (await import("./commands/sessions.js")).sessionsDelete));

  const channels = program.command("channels").description("messaging channels (WhatsApp): link, unlink, status");
  channels
    .command("status")
    .description("each channel: enabled, linked, connected / reconnecting — since when and why")
    .addOption(jsonOption)
    .action(run(async () => (await import("./commands/channels.js")).channelsStatus));
  channels
    .command("login <channel>")
    .description("link an account (whatsapp: scan the QR code with your phone)")
    .action(runWithArgument(async () => (await import("./commands/channels.js")).channelsLogin));
  channels
    .command("logout <channel>")
    .description("unlink the account and remove its credentials")
    .action(runWithArgument(async () => (await import("./commands/channels.js")).channelsLogout));

  const pairing = program.command("pairing").description("WhatsApp senders waiting for approval (channels.whatsapp.dmPolicy \"pairing\")");
  pairing
    .command("list")
    .description("open pairing codes and approved numbers")
    .addOption(jsonOption)
    .action(run(async () => (await import("./commands/pairing.js")).pairingList));
  pairing
    .command("approve <code>")
    .description("let the sender of this code talk to the assistant")
    .addOption(jsonOption)
    .action(runWithArgument(async () => (await import("./commands/pairing.js")).pairingApprove));
  const gateway = program
    .command("gateway")
    .description("run the gateway: the web chat, the HTTP API and live events on 127.0.0.1:18790 (install: keep it running)")
    .option("--port <port>", "TCP port (default: gateway.port, else 18790; 0 picks a free one)")
    .option("--bind <address>", "address to listen on (default: gateway.bind, else 127.0.0.1; others need gateway.auth.token)")
    .action(run(async () => (await import("./commands/gateway.js")).gatewayCommand));
  gateway
    .command("install")
    .description("install and start the gateway as a per-user service (systemd user unit on Linux, launchd agent on macOS)")
    .option("--port <port>", "the TCP port the service listens on (written into its command line; default: gateway.port, else 18790)")
    .option("--bind <address>", "the address it listens on (default: gateway.bind, else 127.0.0.1; others need gateway.auth.token)")
    .addOption(jsonOption)
    .action(run(async () => (await import("./commands/gateway-service.js")).gatewayInstall));
  gateway
    .command("uninstall")
    .description("stop the gateway service and remove it")
    .addOption(jsonOption)
    .action(run(async () => (await import("./commands/gateway-service.js")).gatewayUninstall));
  gateway
    .command("restart")
    .description("restart the installed service (it then runs with its unit or plist and gateway.env as they are now) and wait until it answers")
    .addOption(jsonOption)
    .action(run(async () => (await import("./commands/gateway-restart.js")).gatewayRestart));
  gateway
    .command("status")
    .description("whether the gateway runs (GET /health), where it listens, and whether the service is installed")
    .addOption(jsonOption)
    .action(run(async () => (await import("./commands/gateway-service.js")).gatewayStatus));

  program
    .command("security")
    .description("the assistant's exposure")
    .command("audit")
    .description("findings from the config and the servers: small models, broad tools, exec, channels, secrets, file modes")
    .option("--probe", "also send a battery of indirect prompt-injection cases to the agent's model (tool calls recorded, never run)")
    .option("--agent <id>", "the agent whose model --probe tests (default: main)")
    .addOption(jsonOption)
    .action(run(async () => (await import("./commands/security-audit.js")).securityAuditCommand));

  program
    .command("usage")
    .description("tokens, cost and local model time from the session files, as a table")
    .option("--since <date>", "only replies since then: a day (2026-11-01, from local midnight), a local time (2026-11-01T08:00), a time with its zone (2026-11-01T08:00Z, …+08:00), or 7d; a time without a zone is this machine's local time")
    .option("--by <grouping>", "model, agent, day or channel", "model")
    .addOption(jsonOption)
    .action(run(async () => (await import("./commands/usage.js")).usageCommand));

  program
    .command("logs")
    .description("the gateway's log: pretty on a terminal, JSON lines with --json")
    .option("-f, --follow", "keep printing lines as the gateway writes them")
    .option("-n, --lines <count>", "the last lines to show first", "50")
    .addOption(new Option("--json", "print the log's JSON lines as written, one per entry (a stream with --follow)"))
    .action(run(async () => (await import("./commands/logs.js")).logsCommand));

  program
    .command("init")
    .description("write a commented starter config (local LM Studio first, hosted fallbacks); never overwrites")
    .option("--discover", "also add the model servers found on this machine (as models discover --write)")
    .option("--url <url>", "ask this server instead of the usual ports (repeatable): named after writing, added with --discover", (value: string, previous: string[] = []) => [...previous, value])
    .addOption(jsonOption)
    .action(run(async () => (await import("./commands/init.js")).init));

  // A mistyped or near subcommand, at any depth, names the one meant (`config check` → `config validate`).
  suggestSubcommands(program, io);

  try {
    await program.parseAsync(argv as string[], { from: "user" });
    return exitCode;
  } catch (error) {
    return reportError(error, io, json);
  }
}


function reportError(error: unknown, io: CliIo, json: boolean): number {
  if (error instanceof CommanderError) {
    if (error.code === "commander.helpDisplayed" || error.code === "commander.version") return 0;
    // "commander.help" is help shown for a missing command (`hearth`, `hearth models`): a usage error.
    const message = error.code === "commander.help" ? "a command is needed (the help lists them)" : error.message.replace(/^error: /, "");
    if (json) io.stdout.write(`${JSON.stringify({ error: message, details: [], exitCode: 2 })}\n`);
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
