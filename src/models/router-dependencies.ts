import type { Clock } from "../shared/clock.js";
import type { Cooldowns } from "./cooldowns.js";
import type { LoadState } from "./load-state.js";
import type { PrefillStats } from "./prefill-stats.js";
import type { ReachabilityCheck } from "./reachability.js";
import type { ReplicaBalancer } from "./replicas.js";
import type { AdapterSource } from "./route-request.js";
import type { ServedWindows } from "./served-windows.js";
import type { ServerLoads } from "./server-loads.js";
import type { SharedCacheGate } from "./shared-cache-gate.js";
import type { SlotLook } from "./slot-look.js";

/** What the Router is given by the composition root (src/cli/wire-router.ts): every store and probe it uses is an instance made there. */
export interface RouterDependencies {
  adapters: AdapterSource;
  cooldowns: Cooldowns;
  replicas: ReplicaBalancer;
  prefill: PrefillStats;
  loadState: LoadState | undefined;
  clock: Clock;
  /** A quick look at a cooling local server before skipping it; absent: cooldowns are trusted as they are. */
  reachability?: ReachabilityCheck | undefined;
  /** The windows and tool support the servers reported; absent: the configured windows, tools always sent. */
  windows?: ServedWindows | undefined;
  /** Admission to servers whose slots share one KV cache; absent: the router keeps its own. */
  sharedCaches?: SharedCacheGate | undefined;
  /** A look at a local server's slots before a silent call is called stuck; absent: silence at the limit is stuck. */
  slotLook?: SlotLook | undefined;
  /** The loads local servers said they were doing, remembered across turns and sessions; absent: each call counts its own wait. */
  serverLoads?: ServerLoads | undefined;
  /** The state dir's secret a hosted server's prompt cache key is keyed with, asked when one is sent; absent: none is sent. */
  promptCacheSecret?: (() => Uint8Array) | undefined;
  /** A fault in hearth that broke a route (its caller hears only that there was one): for the log. */
  onFault?: ((error: unknown) => void) | undefined;
}
