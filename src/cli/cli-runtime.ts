import { formatChoicesInline, modelChoices } from "../agent/model-choices.js";
import { stateDir } from "../config/paths.js";
import { runningOnDefaultWords } from "../config/default-config.js";
import { HearthError } from "../shared/errors.js";
import { CliTurnLog } from "./cli-turn-log.js";
import { configuredCommand, commandLine, writeLine, type CliIo, type GlobalOptions } from "./io.js";
import { createRuntime, type Runtime } from "./runtime.js";

/** The runtime for a terminal command (`turnProcess`: which one answers its turns): the config's warnings printed (not with --json), `--agent` and `--model` checked before anything runs. */
export async function createCliRuntime(io: CliIo, options: GlobalOptions & { agent?: string | undefined; model?: string | undefined; turnProcess: "agent" | "chat" }): Promise<Runtime> {
  // With no config file, the built-in default the gateway runs on answers here too (said once, with how to write a config).
  const onWarning = (message: string): void => writeLine(io.stderr, `hearth: warning: ${message}`);
  // Each turn's line in the gateway's log, as the gateway writes it, naming this process (cli-turn-log.ts).
  const turnLog = new CliTurnLog({ stateDir: stateDir({ env: io.env, cwd: io.cwd }), writer: `hearth ${options.turnProcess}`, secrets: io.secrets, level: io.env.HEARTH_LOG_LEVEL, onWarning });
  const created = await createRuntime({ env: io.env, cwd: io.cwd, config: options.config, command: configuredCommand(io), secrets: io.secrets, onWarning, turnProcess: options.turnProcess, turnLog: turnLog.write, firstRunDefault: true, providerOutcomes: "write" });
  const closeRuntime = created.close;
  const runtime = Object.assign(created, {
    close: async (): Promise<void> => {
      try {
        await closeRuntime();
      } finally {
        turnLog.close();
      }
    },
  });
  try {
    if (runtime.config.usingDefault) writeLine(io.stderr, `hearth: ${runningOnDefaultWords({ file: runtime.config.loaded.location.file, baseUrl: runtime.config.localBaseUrl, initCommand: commandLine(io, "init") })}`);
    if (!options.json) for (const warning of runtime.config.warnings) writeLine(io.stderr, warning);
    const agent = runtime.agent(options.agent ?? "main");
    if (options.model) {
      const found = runtime.catalog.lookup(options.model);
      if (!found.ok) {
        throw new HearthError("usage", `--model: ${found.reason}`, [
          `you can choose: ${formatChoicesInline(modelChoices(runtime.catalog, agent.spec.chain, undefined))}`,
          `(\`${commandLine(io, "models list --all")}\` shows every model hearth knows; a full provider/model ref works too)`,
        ]);
      }
    }
    return runtime;
  } catch (error) {
    await runtime.close();
    throw error;
  }
}
