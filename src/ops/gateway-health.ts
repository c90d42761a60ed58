import { record, stringOf } from "../ai/json-fields.js";
import { restartNeedsOf, type RestartNeed } from "./restart-needed.js";

/** What a hearth gateway's GET /health says of itself. */
export interface HearthHealth {
  version: string | undefined;
  uptimeSeconds: number | undefined;
  /** When the answering process started (ms since the epoch), to tell a gateway just (re)started from one that ran before. */
  startedAt: number | undefined;
  /** Which state dir's gateway it is (stateInstance); undefined from a gateway too old to say. */
  instance: string | undefined;
  /** When it last read gateway.env's variables (a hand-started gateway at each config reload); undefined: at its start. */
  envReadAt: number | undefined;
  /** The gateway settings changed in the config since it started, which it applies only when restarted. */
  restartNeeded: RestartNeed[];
  /** How many setup problems it knows of (it cannot answer or cannot save: their words are on the token-guarded /api/status); undefined from a gateway too old to say. */
  problems: number | undefined;
}

/**
 * hearth's own /health (`{ status: "ok", service: "hearth", version, startedAt, uptimeSeconds, instance }`), or
 * undefined for any other server's: llama-server, LM Studio and many others answer `{ "status": "ok" }`
 * there too, and a port one of them holds is no gateway.
 */
export function hearthHealth(body: unknown): HearthHealth | undefined {
  const fields = record(body);
  if (fields.status !== "ok" || fields.service !== "hearth") return undefined;
  const started = Date.parse(stringOf(fields.startedAt));
  const envRead = Date.parse(stringOf(fields.envReadAt));
  return {
    version: stringOf(fields.version) || undefined,
    uptimeSeconds: typeof fields.uptimeSeconds === "number" ? fields.uptimeSeconds : undefined,
    startedAt: Number.isNaN(started) ? undefined : started,
    instance: stringOf(fields.instance) || undefined,
    envReadAt: Number.isNaN(envRead) ? undefined : envRead,
    restartNeeded: restartNeedsOf(fields.restartNeeded),
    problems: typeof fields.problems === "number" ? fields.problems : undefined,
  };
}

/**
 * Whose gateway answered: this state dir's ("ours": its /health names the instance the command
 * computes, stateInstance), another hearth's (another HEARTH_STATE_DIR or HOME started it), or not
 * said (a gateway from before /health named its instance).
 */
export type HealthOwnership = "ours" | "another" | "unsaid";

export function healthOwnership(health: HearthHealth, instance: string): HealthOwnership {
  if (health.instance === undefined) return "unsaid";
  return health.instance === instance ? "ours" : "another";
}

/** The words for a hearth gateway of another state dir, where one says what answers. */
export function anotherInstance(url: string, stateDir: string): string {
  return `hearth's gateway answers at ${url}/, but not this state dir's (${stateDir}): another HEARTH_STATE_DIR or HOME started it`;
}

/**
 * Whether a file the gateway reads at its start (gateway.env, the service's unit or plist) was written
 * after it started: the running process has what it said before (a removed key still in use) until it
 * restarts. False without the file or a start time.
 */
export function writtenSinceStart(health: HearthHealth, envFile: { path: string; mtimeMs: number } | undefined): boolean {
  return envFile !== undefined && health.startedAt !== undefined && envFile.mtimeMs > health.startedAt;
}

/** Whether gateway.env was written after the running gateway last read it (its start, or its last config reload). */
export function envWrittenSinceRead(health: HearthHealth, envFile: { path: string; mtimeMs: number } | undefined): boolean {
  const readAt = health.envReadAt ?? health.startedAt;
  return envFile !== undefined && readAt !== undefined && envFile.mtimeMs > readAt;
}
