// The /api answers the page reads (docs/gateway.md, "/api"); the event and transcript shapes are the gateway's own.
import type { ContextUse, ConversationSnapshot, GatewayEvent, LiveTurnSnapshot, ProviderHealth, SessionListing, ShownImage, TranscriptItem, TurnMessage, WaitingMessage } from "../../../gateway/port.js";

export type { ContextUse, GatewayEvent, LiveTurnSnapshot, ProviderHealth, SessionListing, ShownImage, TranscriptItem, TurnMessage, WaitingMessage };
export type { AgentEvent, TurnResult } from "../../../agent/agent-events.js";

export interface StatusResponse {
  version: string;
  /** hearth as the user ran the gateway (`./bin/hearth`, with its `--config`), for the commands a hint names; absent from an older gateway. */
  command?: string | undefined;
  setup: string[];
  agents: { id: string; name: string; primary: string | undefined }[];
  /** `configured`, `missingKey` and `notChoosable` are absent from an older gateway (every model then listed, and choosable). */
  models: { ref: string; alias: string | undefined; local: boolean; configured?: boolean; missingKey?: string | null; notChoosable?: string | null }[];
  providers: ProviderHealth[];
  /** The messaging channels (WhatsApp); absent from an older gateway. */
  channels?: ChannelView[] | undefined;
}

export interface ChannelView {
  id: string;
  enabled: boolean;
  linked: boolean;
  /** The state its status file last said ("connected", "reconnecting", …); null: it never ran. */
  state: string | null;
  since: string | null;
  reason: string | null;
  /** While the channel waits for its account to be linked: the latest QR code's text; else null (absent from an older gateway). */
  qr?: string | null | undefined;
}

export interface SessionsResponse {
  sessions: SessionListing[];
  /** Session files the gateway could not read: what is wrong and the fix. */
  problems?: string[];
}

export interface SessionResponse {
  session: string;
  items: TranscriptItem[];
  /** The turn under way so far (its message is the last of `items`); absent when none is, or from an older gateway. */
  live?: NonNullable<ConversationSnapshot["live"]> | undefined;
  /** The messages after it whose turn has not begun, and why each waits; absent from an older gateway. */
  waiting?: WaitingMessage[] | undefined;
  context: ContextUse;
  /** The session's `/reasoning on|off` and `/model` choice (null: the agent's chain); absent from an older gateway. */
  settings?: { reasoning: boolean; model?: string | null | undefined } | undefined;
}

export interface MessageRequest {
  text: string;
  agent?: string;
  retry?: boolean;
  /** With `retry`: the message to send again (a user item's `id`); absent: the last. */
  retryOf?: string;
  /** This message again, its first try's answer lost (it may have been kept): see `InboundMessage.repeated`. */
  repeated?: boolean;
  /** A kept message's id (the outbox's): the gateway takes it once, though two tabs send it. */
  id?: string;
}
