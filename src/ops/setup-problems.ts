import { bearerHeaders } from "../ai/adapter.js";
import type { HttpClient } from "../ai/http/http-client.js";
import { requestJson } from "../ai/http/get-json.js";
import { modelListingUrl } from "../ai/model-listing.js";
import type { ModelSpec } from "../ai/model-spec.js";
import type { ResolvedModels } from "../models/resolve.js";

const PROBE_TIMEOUTS = { connectMs: 1_000, firstByteMs: 2_000, idleMs: 2_000, totalMs: 3_000 };

export interface SetupCheck {
  /** [] when ready. */
  problems: string[];
  /** Each local server of the chain (by base URL): did it answer? */
  reachable: ReadonlyMap<string, boolean>;
}

/**
 * What stands between the user and a first answer, in words with the fix: the main agent's chain has no
 * model, its local servers do not answer, its hosted models have no key. [] when at least the first
 * model of the chain can be tried (one answering server is enough to chat).
 */
export async function setupProblems(options: { http: HttpClient; resolved: ResolvedModels; env: NodeJS.ProcessEnv; configFile: string; configExists: boolean }): Promise<SetupCheck> {
  const chain = options.resolved.chain.map((link) => link.model);
  const init = options.configExists ? `edit ${options.configFile}` : "run `hearth init`";
  if (chain.length === 0) return { problems: [`no model to answer: set agents.defaults.model.primary (${init})`], reachable: new Map() };
  const usable: boolean[] = [];
  const problems: string[] = [];
  const keyless = new Set<string>();
  const probed = new Map<string, Promise<boolean>>();
  for (const model of chain) {
    const provider = options.resolved.catalog.providers.get(model.provider);
    if (!provider) continue;
    if (!model.local) {
      const hasKey = provider.apiKey !== undefined && provider.apiKey !== "";
      usable.push(hasKey);
      if (!hasKey && !keyless.has(provider.id)) {
        keyless.add(provider.id);
        problems.push(`${model.ref} has no API key: set ${provider.apiKeyEnv ?? `models.providers.${provider.id}.apiKey`} to use it as a fallback`);
      }
      continue;
    }
    const key = model.baseUrl;
    const answer = probed.get(key) ?? reachable(options.http, model);
    probed.set(key, answer);
    usable.push(await answer);
  }
  const reachableBy = new Map<string, boolean>();
  for (const [url, answer] of probed) reachableBy.set(url, await answer);
  if (usable.some(Boolean)) return { problems: [], reachable: reachableBy };
  const localDown = [...new Set(chain.filter((model) => model.local).map((model) => hostOf(model.baseUrl)))];
  const hosted = [...keyless].map((id) => options.resolved.catalog.providers.get(id)?.apiKeyEnv).filter((name): name is string => Boolean(name));
  const hostedInChain = chain.some((model) => !model.local);
  const keyHint = hosted.length > 0 ? `or set ${hosted.join(" or ")}` : hostedInChain ? undefined : "or set ANTHROPIC_API_KEY for a hosted fallback";
  const alternatives = [keyHint, `or ${init}`].filter(Boolean).join(", ");
  const lines = localDown.map((host) => `no model server at ${host} — start LM Studio's server (Developer → Start Server, or \`lms server start\`), ${alternatives}`);
  return { problems: lines.length > 0 ? lines : problems, reachable: reachableBy };
}

async function reachable(http: HttpClient, model: ModelSpec): Promise<boolean> {
  const headers = { ...model.headers, ...bearerHeaders(model) };
  const answer = await requestJson(http, modelListingUrl(model.api, model.baseUrl), { headers, timeouts: PROBE_TIMEOUTS });
  return answer.ok;
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}
