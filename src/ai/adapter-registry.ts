import type { AdapterDependencies, AdapterFactory, ProviderAdapter } from "./adapter.js";
import type { Api } from "./api.js";

/** Loads each wire protocol's adapter on first use, so a command pays only for the protocols it calls. */
export type AdapterLoaders = Readonly<Record<Api, () => Promise<AdapterFactory>>>;

/**
 * One adapter per protocol, loaded once and shared by concurrent callers. A load that fails is
 * forgotten, so the next call loads again instead of failing for the life of the process.
 */
export class AdapterRegistry {
  private readonly adapters = new Map<Api, Promise<ProviderAdapter>>();
  /** The adapters loaded so far (for `releaseMemory`, which cannot wait for a promise). */
  private readonly loaded = new Set<ProviderAdapter>();

  constructor(
    private readonly loaders: AdapterLoaders,
    private readonly dependencies: AdapterDependencies,
  ) {}

  get(api: Api): Promise<ProviderAdapter> {
    let adapter = this.adapters.get(api);
    if (!adapter) {
      const loading = this.loaders[api]().then((factory) => {
        const made = factory(this.dependencies);
        this.loaded.add(made);
        return made;
      });
      adapter = loading;
      this.adapters.set(api, loading);
      loading.catch(() => {
        if (this.adapters.get(api) === loading) this.adapters.delete(api);
      });
    }
    return adapter;
  }

  /** Each loaded adapter lets go of what it keeps only to make later requests cheaper (see `ProviderAdapter.releaseMemory`). */
  releaseMemory(): void {
    for (const adapter of this.loaded) adapter.releaseMemory?.();
  }
}
