import type { SilentServer } from "./router-events.js";

/** How long a server that just hung or refused is not waited on again for another model (the first cooldown's order). */
export const SILENT_SERVER_MS = 60_000;

interface Silence {
  at: number;
  model: string;
  kind: "timeout" | "unreachable";
  /** The route it happened in: only that route skips the server (a later turn waits on it as a cooldown says). */
  route: object;
}

/** A silence as held: the route by a weak reference (a failed route's request is not kept alive by it). */
interface HeldSilence extends Omit<Silence, "route"> {
  route: WeakRef<object>;
}

/** Keys of the baseUrls seen (the config's replicas: a few); past this many, no more are kept. */
const KEYS_KEPT = 256;

/**
 * Servers (a baseUrl, a replica) that just hung or refused a connection, for whichever model: the same
 * llama.cpp server may be in the chain twice (its Responses and its chat completions API, as two
 * providers), and the second model must not wait its whole timeout on the server that just proved
 * stuck. Each is remembered for SILENT_SERVER_MS from the failure, until an answer from it.
 */
export class SilentServers {
  private readonly silent = new Map<string, HeldSilence>();
  private readonly keys = new Map<string, string>();

  failed(baseUrl: string, silence: Silence): void {
    this.silent.set(this.key(baseUrl), { ...silence, route: new WeakRef(silence.route) });
  }

  /** Called on every answer: nothing to do (no URL parsed) while no server is silent. */
  answered(baseUrl: string): void {
    if (this.silent.size === 0) return;
    this.silent.delete(this.key(baseUrl));
  }

  /**
   * Why every replica of a model is not to be waited on now (naming the server, the model that met it, and
   * when), with the first replica's silence as data (how it failed, for which model), or undefined.
   */
  why(replicas: readonly string[], at: { now: number; route: object }): { words: string; silence: SilentServer } | undefined {
    if (this.silent.size === 0) return undefined;
    const found = replicas.map((baseUrl) => ({ baseUrl, silence: this.silent.get(this.key(baseUrl)) }));
    if (found.length === 0 || found.some(({ silence }) => silence === undefined || silence.route.deref() !== at.route || at.now - silence.at >= SILENT_SERVER_MS)) return undefined;
    const now = at.now;
    const first = found[0]?.silence as HeldSilence;
    const words = found
      .map(({ baseUrl, silence }) => {
        const seconds = Math.round((now - (silence as HeldSilence).at) / 1000);
        return `its server ${baseUrl} ${(silence as HeldSilence).kind === "timeout" ? "hung" : "refused the connection"} for ${(silence as HeldSilence).model} ${seconds} s ago`;
      })
      .join("; ");
    return { words, silence: { failed: first.kind === "timeout" ? "hung" : "refused", model: first.model } };
  }

  private key(baseUrl: string): string {
    const known = this.keys.get(baseUrl);
    if (known !== undefined) return known;
    const made = serverKey(baseUrl);
    if (this.keys.size < KEYS_KEPT) this.keys.set(baseUrl, made);
    return made;
  }
}

/** Whether two baseUrls are one server however they are written (a trailing slash, the host's letter case). */
export function sameServer(a: string, b: string): boolean {
  return serverKey(a) === serverKey(b);
}

/** One server however its URL is written (a trailing slash, the host's letter case). */
export function serverKey(baseUrl: string): string {
  try {
    const url = new URL(baseUrl);
    return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, "")}`;
  } catch {
    return baseUrl.replace(/\/+$/, "");
  }
}
