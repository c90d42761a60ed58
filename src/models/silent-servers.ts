/** How long a server that just hung or refused is not waited on again for another model (the first cooldown's order). */
export const SILENT_SERVER_MS = 60_000;

interface Silence {
  at: number;
  model: string;
  kind: "timeout" | "unreachable";
  /** The route it happened in: only that route skips the server (a later turn waits on it as a cooldown says). */
  route: object;
}

/**
 * Servers (a baseUrl, a replica) that just hung or refused a connection, for whichever model: the same
 * llama.cpp server may be in the chain twice (its Responses and its chat completions API, as two
 * providers), and the second model must not wait its whole timeout on the server that just proved
 * stuck. Each is remembered for SILENT_SERVER_MS from the failure, until an answer from it.
 */
export class SilentServers {
  private readonly silent = new Map<string, Silence>();

  failed(baseUrl: string, silence: Silence): void {
    this.silent.set(key(baseUrl), silence);
  }

  answered(baseUrl: string): void {
    this.silent.delete(key(baseUrl));
  }

  /** Why every replica of a model is not to be waited on now (naming the server, the model that met it, and when), or undefined. */
  why(replicas: readonly string[], at: { now: number; route: object }): string | undefined {
    const found = replicas.map((baseUrl) => ({ baseUrl, silence: this.silent.get(key(baseUrl)) }));
    if (found.length === 0 || found.some(({ silence }) => silence === undefined || silence.route !== at.route || at.now - silence.at >= SILENT_SERVER_MS)) return undefined;
    const now = at.now;
    return found
      .map(({ baseUrl, silence }) => {
        const seconds = Math.round((now - (silence as Silence).at) / 1000);
        return `its server ${baseUrl} ${(silence as Silence).kind === "timeout" ? "hung" : "refused the connection"} for ${(silence as Silence).model} ${seconds} s ago`;
      })
      .join("; ");
  }
}

/** One server however its URL is written (a trailing slash, the host's letter case). */
function key(baseUrl: string): string {
  try {
    const url = new URL(baseUrl);
    return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, "")}`;
  } catch {
    return baseUrl.replace(/\/+$/, "");
  }
}
