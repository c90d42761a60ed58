import { formatChoicesInline, modelChoices } from "../agent/model-choices.js";
import { runningOnDefaultWords } from "../config/default-config.js";
import { HearthError } from "../shared/errors.js";
import { configuredCommand, commandLine, writeLine, type CliIo, type GlobalOptions } from "./io.js";
import { createRuntime, type Runtime } from "./runtime.js";

/** The runtime for a terminal command (`turnProcess`: which one answers its turns): the config's warnings printed (not with --json), `--agent` and `--model` checked before anything runs. */
export async function createCliRuntime(io: CliIo, options: GlobalOptions & { agent?: string | undefined; model?: string | undefined; turnProcess: "agent" | "chat" }): Promise<Runtime> {
  // With no config file, the built-in default the gateway runs on answers here too (said once, with how to write a config).
  const runtime = await createRuntime({ env: io.env, cwd: io.cwd, config: options.config, command: configuredCommand(io), secrets: io.secrets, onWarning: (message) => writeLine(io.stderr, `hearth: warning: ${message}`), turnProcess: options.turnProcess, firstRunDefault: true });
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
