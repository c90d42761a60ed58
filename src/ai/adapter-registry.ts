import type { AdapterDependencies, AdapterFactory, ProviderAdapter } from "./adapter.js";
import type { Api } from "./api.js";

/** Loads each wire protocol's adapter on first use, so a command pays only for the protocols it calls. */
export type AdapterLoaders = Readonly<Record<Api, () => Promise<AdapterFactory>>>;

export class AdapterRegistry {
  private readonly adapters = new Map<Api, Promise<ProviderAdapter>>();

  constructor(
    private readonly loaders: AdapterLoaders,
    private readonly dependencies: AdapterDependencies,
  ) {}

  get(api: Api): Promise<ProviderAdapter> {
    let adapter = this.adapters.get(api);
    if (!adapter) {
      adapter = this.loaders[api]().then((factory) => factory(this.dependencies));
      this.adapters.set(api, adapter);
    }
    return adapter;
  }
}
