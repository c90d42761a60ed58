import { joinUrl, withBasePath } from "../ai/http/join-url.js";
import type { ModelSpec } from "../ai/model-spec.js";
import { KIND_EVIDENCE, SERVER_APIS, SERVER_APIS_BY_VERSION, SERVER_NAMES, type ServerKind } from "../ai/server-kind.js";
import { looksLikeLmStudio } from "../models/looks-like-lmstudio.js";
import { providerName, providerPath } from "../models/provider-words.js";
import type { ProviderProbe } from "./probe-provider.js";
import type { StatusProblem } from "./status-problems.js";

/** The kinds a probe tells apart by an endpoint only that server has (askServerKind, LM Studio's native listing). */
export type ProbedKind = keyof typeof KIND_EVIDENCE;

/** The kind of server the config suggests for a model, and what suggests it; undefined where nothing does. */
function expectedKind(model: ModelSpec): { kind: ProbedKind; because: string } | undefined {
  if (model.api === "ollama") return { kind: "ollama", because: 'its api "ollama" says' };
  if (/lm-?studio/i.test(model.provider)) return { kind: "lmstudio", because: "the provider's name says" };
  if (/ollama/i.test(model.provider)) return { kind: "ollama", because: "the provider's name says" };
  if (/llama-?cpp|llama-server/i.test(model.provider)) return { kind: "llamacpp", because: "the provider's name says" };
  if (looksLikeLmStudio(model)) return { kind: "lmstudio", because: "its port, LM Studio's 1234, suggests" };
  return undefined;
}

/** The provider's baseUrl for a server of `kind` at the model's address: Ollama's own API at the root, the others at /v1. */
function baseUrlFor(model: ModelSpec, kind: ServerKind): string {
  const root = withBasePath(model.baseUrl, (path) => path.replace(/\/(v1|api)$/, ""));
  return kind === "ollama" ? root : joinUrl(root, "/v1");
}

/** The endpoint an api that a kind serves only from some version on needs, as the probe asked it. */
function versionedEndpoint(model: ModelSpec, probe: Pick<ProviderProbe, "responsesEndpoint" | "messagesEndpoint">): { path: string; served: boolean | undefined } | undefined {
  if (model.api === "anthropic-messages") return { path: "POST /v1/messages", served: probe.messagesEndpoint };
  if (model.api === "openai-responses") return { path: "POST /v1/responses", served: probe.responsesEndpoint };
  return undefined;
}

/**
 * The server the probe found at a model's address, where it is not what the config expects, or lacks
 * what the api needs: an error where hearth does not speak the provider's api to that kind (SERVER_APIS:
 * api "ollama" where LM Studio answers), or where the kind serves the api only from some version on
 * (SERVER_APIS_BY_VERSION) and this server, asked, has no endpoint for it; a note where only the name
 * or port suggested another server. A server that has the endpoint speaks the api: no finding. Undefined
 * where the probe learned no kind, or the kind is the one expected and speaks the api.
 */
export function serverKindProblem(model: ModelSpec, probe: Pick<ProviderProbe, "serverKind" | "responsesEndpoint" | "messagesEndpoint">): StatusProblem | undefined {
  const found = probe.serverKind;
  if (found === undefined) return undefined;
  const since = SERVER_APIS_BY_VERSION[found][model.api];
  const endpoint = since !== undefined ? versionedEndpoint(model, probe) : undefined;
  // Asked, not assumed: a kind that serves the api from some version on speaks it unless this server said it has no endpoint for it.
  const lacking = endpoint !== undefined && endpoint.served === false;
  const speaks = SERVER_APIS[found].includes(model.api) || (since !== undefined && !lacking);
  const expected = expectedKind(model);
  const otherKind = expected !== undefined && expected.kind !== found ? expected : undefined;
  if (speaks && otherKind === undefined) return undefined;
  const name = SERVER_NAMES[found];
  const not = otherKind ? `, not ${SERVER_NAMES[otherKind.kind]} as ${otherKind.because}` : "";
  const title = `the server at ${model.baseUrl} is ${name} (${KIND_EVIDENCE[found]})${not}`;
  const meant = otherKind ? `; if ${providerName(model)} is meant for ${SERVER_NAMES[otherKind.kind]}, run ${SERVER_NAMES[otherKind.kind]} on a port of its own and point ${providerPath(model, "baseUrl")} there` : "";
  if (!speaks) {
    const api = SERVER_APIS[found][0] ?? "openai-completions";
    const switchApi = `set ${providerPath(model, "api")} to "${api}" and ${providerPath(model, "baseUrl")} to "${baseUrlFor(model, found)}" (\`hearth models discover --write\` adds it as a provider of its own)`;
    if (lacking && endpoint) {
      return {
        id: "other-server",
        severity: "error",
        title: `${title}: it has no ${endpoint.path} (asked, it answered that no such endpoint exists), which api "${model.api}" needs (${name} serves it ${since})`,
        fix: `upgrade ${name}, or ${switchApi}${meant}`,
      };
    }
    return {
      id: "other-server",
      severity: "error",
      title: `${title}: hearth does not speak api "${model.api}" to ${name}`,
      fix: `to use this ${name}, ${switchApi}${meant}`,
    };
  }
  return {
    id: "other-server",
    severity: "info",
    title,
    fix: `turns work (hearth speaks api "${model.api}" to ${name})${meant}`,
  };
}
