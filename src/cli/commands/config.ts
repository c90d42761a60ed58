import { existsSync } from "node:fs";
import { configLocation } from "../../config/paths.js";
import { ProblemLocator } from "../../config/problems.js";
import { isPlaceholderKey } from "../../shared/placeholder-keys.js";
import { redactSecrets, secretEnvValues } from "../../config/redact.js";
import { commandLine, writeJson, writeLine, painter, type CliIo, type GlobalOptions } from "../io.js";
import { loadModels, printWarnings, type LoadedModels } from "../load-models.js";
import { chainAdvice } from "../../models/chain-advice.js";
import { refName } from "../../models/provider-words.js";
import { HearthError } from "../../shared/errors.js";
import { redactUrl } from "../../shared/secret-redactor.js";

export function configValidate(io: CliIo, options: GlobalOptions): number {
  let result: LoadedModels;
  try {
    result = loadModels(io, options);
  } catch (error) {
    if (options.json && error instanceof HearthError && error.kind === "config") {
      writeJson(io, { valid: false, error: error.message, problems: error.details });
      return 2;
    }
    throw error;
  }
  const { loaded, resolved } = result;
  const warnings = [...result.warnings, ...chainAdvice(resolved)];
  const locator = new ProblemLocator(loaded.source);
  if (options.json) {
    writeJson(io, {
      valid: true,
      file: loaded.location.file,
      exists: loaded.source !== undefined,
      chain: resolved.chain.map((entry) => ({ role: entry.role, ref: entry.model.ref })),
      warnings: warnings.map((warning) => ({ path: locator.name(warning), where: locator.where(warning), message: warning.message })),
    });
    return 0;
  }
  const paint = painter(io);
  printWarnings(io, loaded, warnings);
  if (!loaded.source) {
    writeLine(io.stdout, `No config file at ${loaded.location.file}; built-in defaults are valid. Run \`${commandLine(io, "init")}\` to write one.`);
    return 0;
  }
  const chain = resolved.chain.map((entry) => refName(entry.model)).join(" → ") || "(no model chain)";
  writeLine(io.stdout, `${paint("green", "✓")} ${loaded.location.file} is valid${warnings.length ? ` (${warnings.length} warning${warnings.length === 1 ? "" : "s"})` : ""}`);
  writeLine(io.stdout, `  chain: ${chain}`);
  return 0;
}

export function configShow(io: CliIo, options: GlobalOptions): number {
  const { loaded, resolved, warnings } = loadModels(io, options);
  if (!options.json) printWarnings(io, loaded, warnings);
  const config = loaded.config;
  const providers: Record<string, unknown> = {};
  for (const provider of resolved.catalog.providers.values()) {
    const configured = provider.models.filter((model) => model.source === "config");
    providers[provider.id] = {
      builtin: provider.builtin,
      baseUrl: redactUrl(provider.baseUrl),
      api: provider.api,
      apiKey: provider.apiKey === undefined ? undefined : isPlaceholderKey(provider.apiKey) ? provider.apiKey : "***",
      apiKeySource: provider.apiKeySource,
      headers: Object.keys(provider.headers).length ? provider.headers : undefined,
      timeoutSeconds: provider.timeoutSeconds,
      local: provider.local,
      models: configured.map((model) => ({
        id: model.id,
        name: model.name,
        api: model.api,
        reasoning: model.reasoning,
        input: model.input,
        cost: model.cost,
        contextWindow: model.contextWindow,
        maxTokens: model.maxTokens,
      })),
      catalogModels: provider.models.length - configured.length,
    };
  }
  // Every section as hearth reads it, defaults filled in; the main chain as it resolved; secrets as ***.
  const { $schema: _schema, ...sections } = config;
  const token = config.gateway.auth.token;
  const effective = {
    file: loaded.source ? loaded.location.file : null,
    ...sections,
    agents: {
      ...config.agents,
      defaults: {
        ...config.agents.defaults,
        model: {
          primary: resolved.chain[0]?.model.ref ?? null,
          fallbacks: resolved.chain.slice(1).map((entry) => entry.model.ref),
        },
      },
    },
    models: { mode: config.models.mode, providers },
    gateway: { ...config.gateway, auth: { ...config.gateway.auth, token: token ? "***" : undefined } },
  };
  writeJson(io, redactSecrets(effective, new Set([...secretEnvValues(loaded.envUsed), ...(token ? [token] : [])])));
  return 0;
}

export function configPath(io: CliIo, options: GlobalOptions): number {
  const location = configLocation(options.config, { env: io.env, cwd: io.cwd });
  const exists = existsSync(location.file);
  if (options.json) {
    writeJson(io, { file: location.file, origin: location.origin, exists });
    return 0;
  }
  writeLine(io.stdout, location.file);
  if (!exists) writeLine(io.stderr, `(no file there yet: \`${commandLine(io, "init")}\` writes a starter config)`);
  return 0;
}
