import { isRecord, readJsonFile, writeJsonFile } from "./json-file.js";
import { processAlive } from "../../shared/process-alive.js";

/**
 * The channel's connection as the running gateway last wrote it, so that `hearth channels status`
 * can say it without the gateway: "connecting", "connected", "reconnecting" (with the next try),
 * "waiting-for-scan" (a QR code is up), "logged-out" (credentials removed), "stopped".
 */
export type ConnectionState = "connecting" | "connected" | "reconnecting" | "waiting-for-scan" | "logged-out" | "stopped";

export interface ChannelStatus {
  state: ConnectionState;
  /** ISO time the state began. */
  since: string;
  /** Why, in words (the disconnect reason, the next try). */
  reason?: string | undefined;
  /** What the reason is, as data: "no-network" while this machine cannot reach WhatsApp at all (DNS, no route); absent otherwise. */
  cause?: "no-network" | undefined;
  /** The linked account's number. */
  account?: string | undefined;
  /** The process that wrote it. */
  pid: number;
  /** Which command that process runs: the gateway, or `hearth channels login whatsapp` (files from before this field: the gateway). */
  writer?: StatusWriter | undefined;
}

export type StatusWriter = "gateway" | "login";

const STATES: readonly string[] = ["connecting", "connected", "reconnecting", "waiting-for-scan", "logged-out", "stopped"];

function isStatus(value: unknown): value is ChannelStatus {
  return isRecord(value) && typeof value.state === "string" && STATES.includes(value.state) && typeof value.since === "string";
}

export function readStatus(file: string): ChannelStatus | undefined {
  return readJsonFile<ChannelStatus | undefined>(file, undefined, isStatus);
}

/** The command that wrote the status, in words for `hearth channels status`. */
export function writerName(status: ChannelStatus): string {
  return status.writer === "login" ? "the login command" : "the gateway";
}

export function writeStatus(file: string, status: ChannelStatus): void {
  writeJsonFile(file, status);
}

/** Whether the process that wrote the status still runs (a gateway that died leaves its last word behind). */
export function writerRunning(status: ChannelStatus): boolean {
  if (status.state === "stopped" || status.state === "logged-out") return false;
  // Not a process id (a hand-edited file): 0 or a negative number would ask about a whole process group.
  return processAlive(status.pid);
}
