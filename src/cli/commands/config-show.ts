import { defaultsAgentSpec, agentSpec, type AgentSpec } from "../../agent/agent-spec.js";
import { effectiveTools } from "../../agent/tools/effective-tools.js";
import { DEFAULT_TIMEOUTS } from "../../ai/adapter.js";
import { whatsappSettings } from "../../channels/whatsapp/settings.js";
import { stateDir } from "../../config/paths.js";
import { redactSecrets, secretEnvValues } from "../../config/redact.js";
import type { ResolvedModels } from "../../models/resolve.js";
import { isPlaceholderKey } from "../../shared/placeholder-keys.js";
import { redactUrl } from "../../shared/secret-redactor.js";
import { writeJson, type CliIo, type GlobalOptions } from "../io.js";
import { loadModelsInUse, printWarnings, sayRunningOnDefault } from "../load-models.js";

/**
 * `config show`: every section as hearth acts on it, each default filled in from where the runtime takes
 * it (the agent's spec, the tools' own defaults, the channel's settings); the chains as they resolved;
 * secrets as ***. With no config file, the built-in default the gateway runs on (said on stderr).
 */
export async function configShow(io: CliIo, options: GlobalOptions): Promise<number> {
  const models = await loadModelsInUse(io, options);
  const { loaded, resolved, warnings } = models;
  sayRunningOnDefault(io, models);
  if (!options.json) printWarnings(io, loaded, warnings);
  const config = loaded.config;
  const state = stateDir({ env: io.env, cwd: io.cwd });
  const { $schema: _schema, ...sections } = config;
  const token = config.gateway.auth.token;
  const { enabled, allowFrom, dmPolicy, groups, agent, fallbackNotice, retryWindowMs, textChunkLimit, maxInboundChars } = whatsappSettings(config.channels?.whatsapp);
  const effective = {
    file: loaded.source ? loaded.location.file : null,
    ...sections,
    agents: {
      defaults: { ...agentShown(defaultsAgentSpec(config, resolved), state), models: config.agents.defaults.models },
      list: config.agents.list.map((entry) => ({ id: entry.id, ...agentShown(agentSpec(config, resolved, entry.id), state) })),
    },
    models: { mode: config.models.mode, providers: providersShown(resolved) },
    gateway: { ...config.gateway, auth: { ...config.gateway.auth, token: token ? "***" : undefined } },
    channels: {
      whatsapp: { enabled, allowFrom, dmPolicy, groups, agent: agent ?? "main", fallbackNotice, retryWindowMinutes: retryWindowMs / 60_000, textChunkLimit, maxInboundChars },
    },
  };
  writeJson(io, redactSecrets(effective, new Set([...secretEnvValues(loaded.envUsed), ...(token ? [token] : [])])));
  return 0;
}

/** One agent as it runs: its chain as resolved, and every setting with its default. */
function agentShown(spec: AgentSpec, state: string) {
  return {
    name: spec.name,
    model: { primary: spec.chain[0]?.ref ?? null, fallbacks: spec.fallbacks.map((model) => model.ref) },
    privacy: spec.privacy,
    fallbackNotice: spec.fallbackNotice,
    systemPrompt: spec.systemPrompt,
    tools: effectiveTools(spec.tools, state),
    compaction: {
      enabled: spec.compaction.enabled,
      // null: the session's own model writes the summary.
      model: spec.compaction.chain[0]?.ref ?? null,
      reserveTokens: spec.compaction.reserveTokens,
      keepRecentTokens: spec.compaction.keepRecentTokens,
      timeoutSeconds: spec.compaction.timeoutSeconds,
    },
    maxSteps: spec.maxSteps,
    maxRepeatedToolCalls: spec.maxRepeatedToolCalls,
    maxToolCallsPerReply: spec.maxToolCallsPerReply,
    maxToolOutputPerTurn: spec.maxToolOutputPerTurn,
  };
}

/** Every provider, built-in ones merged, with where its key comes from and its settings as they act (timeouts, cold loads, keep-warm, replicas); the config's models with their resolved limits. */
function providersShown(resolved: ResolvedModels): Record<string, unknown> {
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
      baseUrls: provider.replicas.length > 1 ? provider.replicas.map((replica) => redactUrl(replica)) : undefined,
      timeoutSeconds: provider.timeoutSeconds ?? DEFAULT_TIMEOUTS[provider.local ? "local" : "hosted"].firstByteMs / 1000,
      onColdLoad: provider.onColdLoad,
      coldLoadTimeoutSeconds: provider.coldLoadTimeoutSeconds,
      keepWarm: provider.keepWarm ?? false,
      kvCache: provider.kvCache,
      routing: provider.routing,
      compat: provider.compat,
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
  return providers;
}
