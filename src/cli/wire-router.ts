import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { HttpClient } from "../ai/http/http-client.js";
import { cooldownFileIn } from "../models/cooldown-file.js";
import { Cooldowns, DEFAULT_COOLDOWN } from "../models/cooldowns.js";
import { secretFileAt } from "../models/fingerprint-key.js";
import { LoadState } from "../models/load-state.js";
import { OllamaLoadState } from "../models/ollama-load-state.js";
import { PrefillStats } from "../models/prefill-stats.js";
import { ReplicaBalancer } from "../models/replicas.js";
import { ServedWindows } from "../models/served-windows.js";
import { tokenRatioFileIn } from "../models/token-ratio-file.js";
import { quickReachability } from "../models/reachability.js";
import { Router } from "../models/router.js";
import { SharedCacheGate } from "../models/shared-cache-gate.js";
import { ServerLoads } from "../models/server-loads.js";
import { SlotLook } from "../models/slot-look.js";
import { systemClock, type Clock } from "../shared/clock.js";
import { createAdapterRegistry } from "./wire-adapters.js";

/** The router and the state it keeps (cooldowns, replicas, prefill speeds), wired for one process. */
export function createRouting(options: { http?: HttpClient; clock?: Clock; stateDir?: string; onWarning?: (message: string) => void; sharesCooldowns?: "every" | "costly" } = {}) {
  const http = options.http ?? new HttpClient();
  const clock = options.clock ?? systemClock;
  const adapters = createAdapterRegistry(http);
  const cooldowns = new Cooldowns(clock, DEFAULT_COOLDOWN, options.stateDir ? cooldownFileIn(options.stateDir, { onWarning: options.onWarning, now: () => clock.now(), shares: options.sharesCooldowns }) : undefined);
  const replicas = new ReplicaBalancer(clock);
  const prefill = new PrefillStats();
  const loadState = new LoadState(http, clock);
  const serverLoads = new ServerLoads(http, clock);
  const windows = new ServedWindows(http, loadState, options.stateDir ? tokenRatioFileIn(options.stateDir, { onWarning: options.onWarning, now: () => clock.now() }) : undefined);
  const ollamaLoadState = new OllamaLoadState(http, clock);
  const sharedCaches = new SharedCacheGate();
  const onFault = (error: unknown): void => options.onWarning?.(`a fault in hearth while choosing and calling a model: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  const promptCacheSecret = keptSecret(options.stateDir);
  const router = new Router({ adapters, cooldowns, replicas, prefill, loadState, windows, sharedCaches, clock, reachability: quickReachability(http), slotLook: new SlotLook(http), serverLoads, onFault, promptCacheSecret });
  // `onFault` too for the agents: a fault that breaks a turn's route outside the router is logged in the same words.
  return { http, clock, adapters, cooldowns, replicas, prefill, loadState, ollamaLoadState, windows, sharedCaches, router, onFault };
}

/**
 * The secret prompt cache keys are keyed with, read (or made) when the first one is sent: the state dir's
 * `prompt-cache.key`, so a conversation keeps its key across restarts and from the CLI; with no state dir,
 * or one that can take no file, a secret of this process's.
 */
function keptSecret(stateDir: string | undefined): () => Uint8Array {
  let secret: Uint8Array | undefined;
  return () => {
    secret ??= (stateDir === undefined ? undefined : secretFileAt(join(stateDir, "prompt-cache.key"))) ?? randomBytes(32);
    return secret;
  };
}
