import { requestJson } from "../ai/http/get-json.js";
import type { HttpClient } from "../ai/http/http-client.js";
import { listedModelIds } from "../ai/model-listing.js";
import { DEFAULT_LOCAL_MODEL, defaultConfig, defaultLocalBaseUrl } from "../config/default-config.js";
import { parseConfigValue, type LoadedConfig } from "../config/load.js";

/** The config a command runs on: the file's, or — with no file at the default location — the built-in default. */
export interface ConfigInUse {
  loaded: LoadedConfig;
  /** No config file: the built-in default is in `loaded.config`. */
  usingDefault: boolean;
  /** The built-in default's local model, when it is in use: the one LM Studio listed first, or DEFAULT_LOCAL_MODEL when it did not answer. */
  defaultLocalModel?: string | undefined;
  /** Where the built-in default looks for LM Studio. */
  localBaseUrl: string;
}

export interface ConfigInUseOptions {
  env: NodeJS.ProcessEnv;
  http: HttpClient;
  /** Where LM Studio is looked for; default `defaultLocalBaseUrl(env)` (tests in-process point it at a server of their own). */
  localBaseUrl?: string | undefined;
}

/**
 * The one place a missing config file becomes the built-in default (`defaultConfig`), for the
 * gateway and every one-shot command alike: LM Studio is asked what it lists (at once, or not at
 * all), its first chat model is the primary, and the config is validated like a file's. A config
 * file, when there is one, is returned as it is.
 */
export async function configInUse(loaded: LoadedConfig, options: ConfigInUseOptions): Promise<ConfigInUse> {
  const localBaseUrl = options.localBaseUrl ?? defaultLocalBaseUrl(options.env);
  if (loaded.source !== undefined) return { loaded, usingDefault: false, localBaseUrl };
  const defaultLocalModel = firstUsable((await listedLocalModels(options.http, localBaseUrl)) ?? []) ?? DEFAULT_LOCAL_MODEL;
  const config = parseConfigValue(defaultConfig(options.env, { localModel: defaultLocalModel, baseUrl: localBaseUrl }), undefined, options.env).config;
  return { loaded: { ...loaded, config }, usingDefault: true, defaultLocalModel, localBaseUrl };
}

/** The models LM Studio lists, when it answers at once; undefined otherwise (the documented default is used). */
export async function listedLocalModels(http: HttpClient, baseUrl: string): Promise<string[] | undefined> {
  const answer = await requestJson(http, `${baseUrl}/models`, { timeouts: { connectMs: 300, firstByteMs: 500, idleMs: 500, totalMs: 800 } });
  if (!answer.ok) return undefined;
  const ids = listedModelIds(answer.body);
  return ids ? [...ids] : undefined;
}

/** The first listed model that can chat (an embedding model cannot). */
export function firstUsable(ids: readonly string[]): string | undefined {
  return ids.find((id) => !/embed/i.test(id));
}
