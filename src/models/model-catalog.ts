import { splitRef, type ModelRef, type ModelSpec } from "../ai/model-spec.js";
import { scoredSuggestions, suggest } from "../shared/did-you-mean.js";
import type { ResolvedProvider } from "./resolve-providers.js";
import { formatPath } from "../config/problems.js";
import type { ConfigPath } from "../config/json5-locate.js";

export type LookupResult = { ok: true; model: ModelSpec; via: "alias" | "ref" | "id" } | { ok: false; reason: string };

/** Every model hearth knows after resolution, with aliases; a lookup never guesses silently. */
export class ModelCatalog {
  readonly providers: ReadonlyMap<string, ResolvedProvider>;
  readonly models: ReadonlyMap<ModelRef, ModelSpec>;
  /** Lower-cased alias → ref. */
  private readonly aliasToRef: Map<string, ModelRef>;
  private readonly refToAlias: Map<ModelRef, string>;
  /** The user's own names: aliases, models the config lists, and refs it names elsewhere — suggested before the built-in catalog. */
  private readonly ownNames: ReadonlySet<string>;
  /**
   * Lower-cased id, and the key a ref names its model by, → the models of that name in catalog order:
   * a bare id found without going through every model (the gateway's catalogue asks one per model).
   */
  private readonly byId = new Map<string, ModelSpec[]>();

  /** A place in the config, named as the file writes it. */
  readonly pathName: (path: ConfigPath) => string;

  /** The built-in providers (and their catalog models) that `models.mode: "replace"` leaves out; empty under "merge". */
  private readonly replacedBuiltins: ReadonlySet<string>;

  /**
   * `named`: refs the config names (its agents' models, keys of agents.defaults.models) besides aliases
   * and listed models. `pathName` names a place in the config as the file writes it (configPathName
   * with the config's source): a provider's key may be a `${VAR}`.
   */
  constructor(
    providers: readonly ResolvedProvider[],
    aliases: ReadonlyMap<ModelRef, string>,
    options: { named?: Iterable<ModelRef>; pathName?: (path: ConfigPath) => string; replacedBuiltins?: ReadonlySet<string> } = {},
  ) {
    const named = options.named ?? [];
    this.pathName = options.pathName ?? formatPath;
    this.replacedBuiltins = options.replacedBuiltins ?? new Set();
    this.providers = new Map(providers.map((provider) => [provider.id, provider]));
    this.models = new Map(providers.flatMap((provider) => provider.models.map((model) => [model.ref, model] as const)));
    this.refToAlias = new Map(aliases);
    this.aliasToRef = new Map([...aliases].map(([ref, alias]) => [alias.toLowerCase(), ref]));
    const listed = [...this.models.values()].filter((model) => model.source === "config").map((model) => model.ref);
    this.ownNames = new Set([...aliases.values(), ...aliases.keys(), ...listed, ...named]);
    for (const model of this.models.values()) {
      for (const name of new Set([model.id.toLowerCase(), model.ref.slice(model.provider.length + 1).toLowerCase()])) {
        const same = this.byId.get(name);
        if (same) same.push(model);
        else this.byId.set(name, [model]);
      }
    }
  }

  /**
   * The close names to suggest for `input`: the user's own first, unless another name (the built-in
   * catalog's) is closer than any of theirs — then that one first, and theirs after it. A one-letter typo
   * of `claude-sonnet-4-5` is that model, never the user's Opus alias a few letters further off: a
   * suggestion must not point at a different, dearer model.
   */
  private suggestOwnFirst(input: string, candidates: readonly string[], own: (candidate: string) => boolean): string[] {
    const ownClose = scoredSuggestions(input, candidates.filter(own));
    const otherClose = scoredSuggestions(input, candidates.filter((candidate) => !own(candidate)), 1);
    const closer = otherClose[0];
    const ownBest = ownClose[0];
    if (ownBest === undefined) return suggest(input, candidates);
    if (closer === undefined || closer.score >= ownBest.score) return ownClose.map((entry) => entry.candidate);
    return [closer.candidate, ...ownClose.map((entry) => entry.candidate)].slice(0, 3);
  }

  /** Whether the config names the model: lists it in a provider's models, aliases it, or names it elsewhere (an agent's chain). */
  names(ref: ModelRef): boolean {
    return this.ownNames.has(ref);
  }

  aliasOf(ref: ModelRef): string | undefined {
    return this.refToAlias.get(ref);
  }

  get aliases(): ReadonlyMap<ModelRef, string> {
    return this.refToAlias;
  }

  /**
   * The model `name` names as lookup finds it, or undefined — without the reason lookup gives for a
   * miss, whose "did you mean" measures the name's edit distance to every model of the catalog (10–15 ms
   * with the built-in catalog's 340): for a caller that only asks whether a name is taken
   * (notChoosableWords, which the gateway's catalogue asks of every model: 5 s of a blocked event loop
   * on the gateway's first request when it asked lookup).
   */
  find(name: string): Extract<LookupResult, { ok: true }> | undefined {
    const wanted = name.trim();
    const aliased = this.aliasToRef.get(wanted.toLowerCase());
    const aliasedModel = aliased ? this.models.get(aliased) : undefined;
    if (aliasedModel) return { ok: true, model: aliasedModel, via: "alias" };

    const exact = this.models.get(wanted as ModelRef);
    if (exact) return { ok: true, model: exact, via: "ref" };
    const parts = splitRef(wanted);
    if (parts) {
      const caseless = this.providers.get(parts.provider)?.models.filter((model) => model.id.toLowerCase() === parts.id.toLowerCase() || model.ref.toLowerCase() === wanted.toLowerCase());
      return caseless?.length === 1 && caseless[0] ? { ok: true, model: caseless[0], via: "ref" } : undefined;
    }
    const byId = this.sameId(wanted);
    return byId.length === 1 && byId[0] ? { ok: true, model: byId[0], via: "id" } : undefined;
  }

  /** An alias (any case), a full "provider/model" ref, or a model id that only one provider has. */
  lookup(name: string): LookupResult {
    const found = this.find(name);
    if (found) return found;
    const wanted = name.trim();
    const parts = splitRef(wanted);
    if (parts) {
      const provider = this.providers.get(parts.provider);
      const mode = this.pathName(["models", "mode"]);
      if (!provider) {
        if (this.replacedBuiltins.has(parts.provider)) {
          return { ok: false, reason: `no provider "${parts.provider}": ${mode} is "replace", which leaves out the built-in providers (${parts.provider} among them); "merge" keeps them beside yours` };
        }
        const close = suggest(parts.provider, this.providers.keys());
        return { ok: false, reason: `no provider "${parts.provider}"${hint(close.map((id) => `${id}/${parts.id}`))}` };
      }
      if (provider.models.length === 0) {
        const add = `add { id: "${parts.id}", … } to ${this.pathName(["models", "providers", provider.id, "models"])}`;
        return {
          ok: false,
          reason: this.replacedBuiltins.has(provider.id)
            ? `provider "${provider.id}" lists no models: ${mode} is "replace", which leaves out the built-in catalog's ${provider.id} models; "merge" keeps them, or ${add}`
            : `provider "${provider.id}" lists no models; ${add}`,
        };
      }
      const close = this.suggestOwnFirst(parts.id, provider.models.map((model) => model.id), (id) => this.ownNames.has(`${provider.id}/${id}`)).map((id) => `${provider.id}/${id}`);
      const fix = provider.configured || !provider.builtin ? `${close.length ? " Otherwise" : ";"} add { id: "${parts.id}", … } to ${this.pathName(["models", "providers", provider.id, "models"])}` : "";
      return { ok: false, reason: `"${wanted}" is not a model of provider "${provider.id}"${hint(close)}${fix}` };
    }
    const byId = this.sameId(wanted);
    if (byId.length > 1) {
      return { ok: false, reason: `"${wanted}" is offered by several providers; name one: ${byId.map((model) => `"${model.ref}"`).join(", ")}` };
    }
    const close = this.suggestOwnFirst(wanted, [...this.refToAlias.values(), ...this.models.keys()], (name) => this.ownNames.has(name));
    return { ok: false, reason: `"${wanted}" is not a known model or alias${hint(close)}` };
  }

  /** The models whose id, or the key their ref names them by (`key` in the config), is `wanted` (any case). */
  private sameId(wanted: string): readonly ModelSpec[] {
    return this.byId.get(wanted.toLowerCase()) ?? [];
  }
}

function hint(candidates: readonly string[]): string {
  if (candidates.length === 0) return "";
  if (candidates.length === 1) return `; did you mean "${candidates[0]}"?`;
  return `; did you mean one of ${candidates.map((candidate) => `"${candidate}"`).join(", ")}?`;
}
