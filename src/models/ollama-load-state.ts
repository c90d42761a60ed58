import { bearerHeaders } from "../ai/adapter.js";
import type { HttpClient } from "../ai/http/http-client.js";
import { requestJson } from "../ai/http/get-json.js";
import { joinUrl, withBasePath } from "../ai/http/join-url.js";
import type { ModelSpec } from "../ai/model-spec.js";
import { loadedInOllamaPs } from "../ai/server-window.js";
import type { Clock } from "../shared/clock.js";

const LOOK_TIMEOUTS = { connectMs: 1_000, firstByteMs: 2_000, idleMs: 2_000, totalMs: 3_000 };
/** An answer stands this long: a burst of listings asks once (Ollama unloads an idle model by itself, so no longer). */
const FRESH_MS = 2_000;
/** A server whose `/api/ps` gave no Ollama answer is asked again after this long (Ollama may have been started there since). */
const RECHECK_MS = 5 * 60_000;

/**
 * Whether Ollama has a model in memory, from its own `GET /api/ps`, asked when a listing needs to say
 * it (`look`): one look per server at a time, its answer kept a moment. Ollama loads a model on request
 * and unloads it after its keep_alive by itself, so nothing else says it — not an answer a while ago,
 * not the config. A server whose `/api/ps` is no Ollama answer (LM Studio, llama.cpp…) says nothing,
 * and is not asked again for a few minutes. Keyed by server: as many entries as the config has servers.
 */
export class OllamaLoadState {
  /** Per server origin: its `/api/ps` answer (`body`), or none (`body` undefined: no Ollama answer), and when. */
  private readonly answers = new Map<string, { body: unknown; at: number }>();
  private readonly looking = new Map<string, Promise<void>>();

  constructor(
    private readonly http: HttpClient,
    private readonly clock: Clock,
  ) {}

  /** Asks each server of the local `model` for the models it has in memory, unless asked a moment ago; never throws. */
  async look(model: ModelSpec): Promise<void> {
    if (!model.local) return;
    await Promise.all(model.replicas.map((baseUrl) => this.lookAt(originOf(baseUrl), model)));
  }

  /** Whether Ollama at `baseUrl` had `model` in memory at the last look; undefined: no Ollama answered there. No I/O. */
  knownLoaded(model: ModelSpec, baseUrl = model.baseUrl): boolean | undefined {
    if (!model.local) return undefined;
    const answer = this.answers.get(originOf(baseUrl));
    return answer?.body === undefined ? undefined : loadedInOllamaPs(answer.body, model.id);
  }

  private lookAt(origin: string, model: ModelSpec): Promise<void> {
    const answer = this.answers.get(origin);
    const age = answer === undefined ? Number.POSITIVE_INFINITY : this.clock.now() - answer.at;
    if (age < (answer?.body === undefined ? RECHECK_MS : FRESH_MS)) return Promise.resolve();
    let look = this.looking.get(origin);
    if (!look) {
      look = this.ask(origin, model).finally(() => this.looking.delete(origin));
      this.looking.set(origin, look);
    }
    return look;
  }

  private async ask(origin: string, model: ModelSpec): Promise<void> {
    const answer = await requestJson(this.http, joinUrl(origin, "/api/ps"), { headers: bearerHeaders(model), timeouts: LOOK_TIMEOUTS });
    if (answer.ok && loadedInOllamaPs(answer.body, model.id) !== undefined) {
      this.answers.set(origin, { body: answer.body, at: this.clock.now() });
      return;
    }
    // No answer at all (down, slow): nothing known, asked again next time; an answer that is not Ollama's: not asked again for a while.
    if (!answer.ok && answer.failure.status === undefined) this.answers.delete(origin);
    else this.answers.set(origin, { body: undefined, at: this.clock.now() });
  }
}

/** Where a server's native API is: its base URL without the OpenAI-compatible `/v1`. */
function originOf(baseUrl: string): string {
  return withBasePath(baseUrl, (path) => path.replace(/\/v1$/, ""));
}
