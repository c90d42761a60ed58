import { record, stringOf } from "../ai/json-fields.js";

/** What a hearth gateway's GET /health says of itself. */
export interface HearthHealth {
  version: string | undefined;
  uptimeSeconds: number | undefined;
  /** When the answering process started (ms since the epoch), to tell a gateway just (re)started from one that ran before. */
  startedAt: number | undefined;
}

/**
 * hearth's own /health (`{ status: "ok", service: "hearth", version, startedAt, uptimeSeconds }`), or
 * undefined for any other server's: llama-server, LM Studio and many others answer `{ "status": "ok" }`
 * there too, and a port one of them holds is no gateway.
 */
export function hearthHealth(body: unknown): HearthHealth | undefined {
  const fields = record(body);
  if (fields.status !== "ok" || fields.service !== "hearth") return undefined;
  const started = Date.parse(stringOf(fields.startedAt));
  return {
    version: stringOf(fields.version) || undefined,
    uptimeSeconds: typeof fields.uptimeSeconds === "number" ? fields.uptimeSeconds : undefined,
    startedAt: Number.isNaN(started) ? undefined : started,
  };
}
