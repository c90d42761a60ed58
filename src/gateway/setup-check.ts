import type { ModelSpec } from "../ai/model-spec.js";
import { DEFAULT_LOCAL_BASE_URL, runningOnDefaultWords } from "../config/default-config.js";
import { looksLikeLmStudio } from "../models/looks-like-lmstudio.js";
import { loopbackOnlyAdvice } from "../models/loopback-only-advice.js";
import { missingKey } from "../models/missing-key.js";
import { LOOK_RANK, lookKey, type ServerLook } from "../models/reachability.js";

export interface SetupFacts {
  /** Why the last edit of the config file could not be loaded (its problems, as the terminal shows them), while the previous config serves. */
  reloadFailure?: readonly string[] | undefined;
  /** The config file that was not there, when the built-in default serves. */
  missingConfigFile: string | undefined;
  /** The main agent's chain. */
  chain: readonly ModelSpec[];
  /** The main agent's privacy policy: under "local-only" a hosted model never answers. Default "any". */
  privacy?: "any" | "local-only" | undefined;
  /** What was found of each local model's server when last asked, by lookKey (the model at the address asked); absent: not asked yet. */
  reachable: ReadonlyMap<string, ServerLook>;
  /** Environment variables that hold hosted keys, for the fix. */
  keyNames: readonly string[];
  /** `init` named the way the user runs hearth (`./bin/hearth init`); default `hearth init`. */
  initCommand?: string | undefined;
  /**
   * Why a hosted model cannot answer now, with its fix (its key was refused: which key, where it comes from;
   * it could not be reached just now); undefined: it may answer.
   */
  hostedDown?: ((model: ModelSpec) => string | undefined) | undefined;
  /** This machine's interface addresses (machineAddresses); default: read now. Injected by tests. */
  ownAddresses?: ReadonlySet<string> | undefined;
}

/**
 * What keeps a first turn from working, each with its fix; [] when a local model answers (or may: not
 * asked yet). When every local model of the chain fails its check and only a hosted fallback is left,
 * that is said too, with the fix: turns are answered, but not where the user meant them to be, and
 * billed. No config file is said only while nothing answers (`init` is one of the fixes then): once a
 * model answers, the built-in default serves and nothing is needed.
 */
export function setupProblems(facts: SetupFacts): string[] {
  const problems: string[] = [];
  const init = facts.initCommand ?? "hearth init";
  if (facts.reloadFailure && facts.reloadFailure.length > 0) problems.push(reloadProblem(facts.reloadFailure));
  // A model without the key its provider needs is never called, wherever it points (a built-in provider at a stand-in on this machine).
  // Nor is a hosted model under a local-only privacy policy.
  const callable = facts.chain.filter((model) => missingKey(model) === undefined && (model.local || facts.privacy !== "local-only"));
  const local = callable.filter((model) => model.local);
  const answers = (model: ModelSpec): boolean => (facts.reachable.get(lookKey(model))?.state ?? "answers") === "answers";
  if (local.some(answers)) return problems;
  const hostedModels = callable.filter((model) => !model.local);
  const hosted = hostedModels.find((model) => facts.hostedDown?.(model) === undefined);
  if (hosted) {
    // A local primary that does not answer, and a hosted fallback answers meanwhile: the local servers' fix, and where
    // turns go until one of them answers. (A hosted primary answers as configured: a local fallback down is no setup problem.)
    if (callable[0]?.local === true) problems.push(`${serverWords(local, facts.reachable, facts.ownAddresses)}; until a local model answers, turns go to the hosted ${hosted.ref}`);
    return problems;
  }
  if (hostedModels.length > 0) {
    // Every hosted model is known not to answer either (its key refused, its service unreachable): nothing answers, and each fix is said.
    const down = hostedModels.map((model) => facts.hostedDown?.(model) ?? `${model.ref} cannot answer`);
    problems.push(`no model can answer: ${local.length > 0 ? `${serverWords(local, facts.reachable, facts.ownAddresses)}; and ` : ""}${down.join("; ")}`);
    return problems;
  }
  if (facts.missingConfigFile) {
    // The built-in default's primary is LM Studio, wherever it is looked for.
    problems.push(runningOnDefaultWords({ file: facts.missingConfigFile, baseUrl: facts.chain[0]?.baseUrl ?? DEFAULT_LOCAL_BASE_URL, initCommand: init }));
  }
  // With no config, any hosted key gives the built-in default a fallback; with one, only the keys its chain names.
  const chainKey = facts.chain.find((model) => !model.local && model.apiKeyEnv)?.apiKeyEnv;
  const key = facts.missingConfigFile ? (facts.keyNames[0] ?? "ANTHROPIC_API_KEY") : chainKey;
  const keyFix = key ? `set ${key}` : "add a hosted fallback to the config";
  // Under a local-only policy a hosted fallback is no fix.
  const start =
    local.length > 0
      ? facts.privacy === "local-only"
        ? serverWords(local, facts.reachable, facts.ownAddresses)
        : `${serverWords(local, facts.reachable, facts.ownAddresses)}, or ${keyFix}`
      : facts.chain.length === 0
        ? // A config that names no model at all: a key set (or not) is beside the point.
          `no model can answer: the config names no model (agents.defaults.model.primary) — set one, or let \`${init.replace(/ init$/, " models discover --write")}\` add the model a local server has`
        : `no model can answer: no local model is configured and no hosted key is set — ${keyFix}`;
  // `init` helps only where there is no config yet; with one, the fix is in it.
  problems.push(facts.missingConfigFile ? `${start}, or run \`${init}\`` : start);
  return problems;
}

/**
 * The local servers that did not answer, by what was found — nothing there, a server that took the
 * connection and sent nothing (as `models status --probe` says it), one that answered with an error —
 * each with its fix. LM Studio by name only where it is LM Studio (its provider, or its port); any other server by its address.
 */
function serverWords(local: readonly ModelSpec[], reachable: ReadonlyMap<string, ServerLook>, own: ReadonlySet<string> | undefined): string {
  const byHost = new Map<string, { look: ServerLook | undefined; lmStudio: boolean }>();
  for (const model of local) {
    const host = hostOf(model.baseUrl);
    const look = reachable.get(lookKey(model));
    const known = byHost.get(host);
    // A server that said something (an error, or took the connection) outranks one found absent for another model.
    const worse = known?.look === undefined || (look !== undefined && LOOK_RANK[look.state] < LOOK_RANK[known.look.state]);
    byHost.set(host, { look: worse ? look : known.look, lmStudio: (known?.lmStudio ?? false) || looksLikeLmStudio(model) });
  }
  const hosts = (state: ServerLook["state"] | undefined): string[] => [...byHost].filter(([, found]) => (found.look?.state ?? "absent") === state).map(([host]) => host);
  const lmStudio = (names: readonly string[]): boolean => names.length === 1 && byHost.get(names[0] as string)?.lmStudio === true;
  const words: string[] = [];
  // This machine's own address with nothing there: the server most likely runs, on 127.0.0.1 only.
  const baseUrlAt = (host: string): string => local.find((model) => hostOf(model.baseUrl) === host)?.baseUrl ?? "";
  const loopbackOnly = hosts("absent").flatMap((host) => {
    const advice = loopbackOnlyAdvice(baseUrlAt(host), own);
    return advice ? [{ host, advice }] : [];
  });
  for (const { host, advice } of loopbackOnly) words.push(`no model server answers at ${host}: ${advice.why} — ${advice.fix}`);
  const absent = hosts("absent").filter((host) => !loopbackOnly.some((found) => found.host === host));
  if (absent.length > 0) words.push(`no model server at ${absent.join(", ")} — ${lmStudio(absent) ? "start LM Studio's server" : absent.length === 1 ? "start the model server there" : "start one of those model servers"}`);
  const hung = hosts("hung");
  if (hung.length > 0) {
    const log = lmStudio(hung) ? "look at its log (LM Studio: Developer → Logs)" : `look at ${hung.length === 1 ? "its" : "their"} log`;
    words.push(`the model server at ${hung.join(", ")} took the connection but sent no answer: it is running but stuck or busy — ${log}, and restart it if it stays silent`);
  }
  for (const host of hosts("error")) {
    const look = byHost.get(host)?.look;
    if (look?.state === "error" && look.notModelServer) words.push(`the server at ${host} is not a model server: it answered ${look.message} — ${look.fix ?? "check the provider's baseUrl"}`);
    else if (look?.state === "error" && look.page) words.push(`the server at ${host} answered ${look.message} — ${look.fix ?? "check the provider's baseUrl"}`);
    else words.push(`the model server at ${host} answered with an error (${look?.state === "error" ? look.message : "no answer"}) — ${look?.state === "error" && look.fix ? look.fix : "see its log"}`);
  }
  return words.join("; ");
}

/**
 * One line for a config edit that could not be loaded: the first problem (file:line:col and what); when
 * that is a heading ("… has 2 problems:"), the problems it heads — not the excerpt lines under a syntax error.
 */
function reloadProblem(problems: readonly string[]): string {
  const [first = "", ...rest] = problems;
  const what = first.endsWith(":") ? `${first} ${rest.map((line) => line.trim()).join("; ")}` : first;
  return `the config file could not be loaded: ${what} — the previous config keeps serving until the file is fixed`;
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}
