import { hostedKeyLookup } from "./hosted-keys.js";

/** LM Studio's local server, the first-run primary. */
export const DEFAULT_LOCAL_BASE_URL = "http://127.0.0.1:1234/v1";

/** The variable that moves where the built-in default looks for LM Studio (LM Studio on another port; the tests). */
export const LOCAL_URL_VARIABLE = "HEARTH_LMSTUDIO_URL";

/** Where the built-in default looks for LM Studio: `$HEARTH_LMSTUDIO_URL` when set, else DEFAULT_LOCAL_BASE_URL. */
export function defaultLocalBaseUrl(env: NodeJS.ProcessEnv): string {
  return env[LOCAL_URL_VARIABLE]?.trim() || DEFAULT_LOCAL_BASE_URL;
}

/** "LM Studio at 127.0.0.1:1234, then the hosted models whose keys are set": what the built-in default is, in the words every command says it with. */
export function defaultConfigWords(baseUrl: string): string {
  let address = baseUrl;
  try {
    address = new URL(baseUrl).host;
  } catch {
    // Not a URL: said as given (the config check of the default names what is wrong with it).
  }
  return `LM Studio at ${address}, then the hosted models whose keys are set`;
}
/** The model asked for when LM Studio cannot be asked what it has (the README's quick-start model). */
export const DEFAULT_LOCAL_MODEL = "minimax-m2.1-gs32";

/** Hosted fallbacks of the first run, each only when its key is set (the environment, else gateway.env). */
const HOSTED_FALLBACKS: readonly { env: string; ref: string; alias: string }[] = [
  { env: "ANTHROPIC_API_KEY", ref: "anthropic/claude-sonnet-4-5", alias: "Sonnet" },
  { env: "OPENAI_API_KEY", ref: "openai/gpt-5.1", alias: "GPT" },
  { env: "OPENROUTER_API_KEY", ref: "openrouter/anthropic/claude-sonnet-4.5", alias: "Router" },
];

export interface DefaultConfigOptions {
  /** The model LM Studio listed first, when it was asked; default DEFAULT_LOCAL_MODEL. */
  localModel?: string | undefined;
  /** Where LM Studio's server is looked for; default DEFAULT_LOCAL_BASE_URL. */
  baseUrl?: string | undefined;
}

/**
 * The config a first run uses when there is no config file (the gateway; `hearth init` writes a real
 * one): LM Studio at 127.0.0.1:1234 as primary (Responses API, reasoning kept apart), then the hosted
 * models whose keys are set — found as the resolved providers find them (the environment, else
 * `~/.hearth/gateway.env`). A raw value, validated like a file's.
 */
export function defaultConfig(env: NodeJS.ProcessEnv, options: DefaultConfigOptions = {}): Record<string, unknown> {
  const local = options.localModel ?? DEFAULT_LOCAL_MODEL;
  const keyOf = hostedKeyLookup(env);
  const hosted = HOSTED_FALLBACKS.filter((fallback) => keyOf(fallback.env) !== undefined);
  return {
    agents: {
      defaults: {
        model: { primary: `lmstudio/${local}`, fallbacks: hosted.map((fallback) => fallback.ref) },
        models: Object.fromEntries([[`lmstudio/${local}`, { alias: "Local" }], ...hosted.map((fallback) => [fallback.ref, { alias: fallback.alias }])]),
      },
    },
    models: {
      mode: "merge",
      providers: {
        lmstudio: {
          baseUrl: options.baseUrl ?? DEFAULT_LOCAL_BASE_URL,
          apiKey: "lmstudio",
          api: "openai-responses",
          models: [{ id: local, name: local, reasoning: false, input: ["text"], cost: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 }, contextWindow: 32768, maxTokens: 8192 }],
        },
      },
    },
  };
}

/**
 * The line every command says once while it runs on the built-in default (the gateway's setup
 * problem, `agent`, `chat`, `models`, `doctor`, `config show`, `security audit`, `usage`): that there is no
 * file, what runs instead, and the command that writes one.
 */
export function runningOnDefaultWords(options: { file: string; baseUrl: string; initCommand: string }): string {
  return `no config file at ${options.file}: running on the built-in default (${defaultConfigWords(options.baseUrl)}); \`${options.initCommand}\` writes a config to edit`;
}

/** Whether a line is runningOnDefaultWords' for this file (the gateway's banner leaves out what a setup line below says). */
export function saysRunningOnDefault(line: string, file: string): boolean {
  return line.startsWith(`no config file at ${file}: running on the built-in default`);
}

/** The keys a first run looks for, for the message that says what is missing. */
export const HOSTED_KEY_NAMES: readonly string[] = HOSTED_FALLBACKS.map((fallback) => fallback.env);

/**
 * The config keys a fix may name (`baseUrl`, `models.providers.lmstudio.apiKey`, `agents.defaults.model.fallbacks`…): with no file, none of them is written anywhere yet.
 * A file name is not a key: `gateway.env` (where hosted keys are read from), `models.json`, `hearth.json5` are left out.
 */
const CONFIG_KEY_WORDS = /\b(?:baseUrl|contextWindow|maxTokens|apiKey|headers|timeoutSeconds|(?:agents|models|gateway|channels|tools)\.(?!(?:env|json5?|jsonl|key|lock|log|txt)\b)[A-Za-z_[\]".0-9/-]+)/;

/**
 * A fix said while the built-in default runs, made to say where the config keys it names go: no file
 * has them yet, so `hearth init` writes one (or the file is made at `file`) to put them in. A fix that names no config key is as it was.
 */
export function fixWithNoConfigFile(fix: string, where: { file: string; initCommand: string }): string {
  const key = CONFIG_KEY_WORDS.exec(fix)?.[0];
  if (key === undefined) return fix;
  return `${fix} — there is no config file yet to put ${key} in: \`${where.initCommand}\` writes one to edit (${where.file}), or create that file`;
}
