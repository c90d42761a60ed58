/**
 * The names of parts rejected for a problem of their own (a provider without a baseUrl, a model with
 * no api, an alias whose model key names no model). A reference to one of them does not resolve, but
 * saying so again ("no provider …; did you mean …") would only repeat the problem already reported
 * at the part itself, in the wrong place.
 */
export class RejectedNames {
  private readonly providers = new Set<string>();
  /** Lower-cased "provider/id" and "provider/key". */
  private readonly refs = new Set<string>();
  /** Lower-cased ids, keys and aliases: what a bare name may mean. */
  private readonly bare = new Set<string>();

  /** A whole provider, with the ids and keys its entries gave their models. */
  provider(id: string, models: readonly { id: string; key?: string | undefined }[]): void {
    this.providers.add(id);
    for (const model of models) this.model(id, model);
  }

  model(provider: string, model: { id: string; key?: string | undefined }): void {
    for (const name of model.key === undefined ? [model.id] : [model.id, model.key]) {
      this.refs.add(`${provider}/${name}`.toLowerCase());
      this.bare.add(name.toLowerCase());
    }
  }

  alias(name: string): void {
    this.bare.add(name.trim().toLowerCase());
  }

  /** True when `name` (as a reference is written) points into a rejected part. */
  covers(name: string): boolean {
    const wanted = name.trim();
    const slash = wanted.indexOf("/");
    if (slash > 0 && this.providers.has(wanted.slice(0, slash))) return true;
    return this.refs.has(wanted.toLowerCase()) || this.bare.has(wanted.toLowerCase());
  }
}
