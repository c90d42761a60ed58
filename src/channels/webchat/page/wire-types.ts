// The /api answers the page reads (docs/gateway.md, "/api"); the event and transcript shapes are the gateway's own.
import type { ContextUse, GatewayEvent, ProviderHealth, SessionListing, TranscriptItem } from "../../../gateway/port.js";

export type { ContextUse, GatewayEvent, ProviderHealth, SessionListing, TranscriptItem };
export type { AgentEvent, TurnResult } from "../../../agent/agent-events.js";

export interface StatusResponse {
  version: string;
  setup: string[];
  agents: { id: string; name: string; primary: string | undefined }[];
  models: { ref: string; alias: string | undefined; local: boolean }[];
  providers: ProviderHealth[];
}

export interface SessionsResponse {
  sessions: SessionListing[];
}

export interface SessionResponse {
  session: string;
  items: TranscriptItem[];
  context: ContextUse;
}

export interface MessageRequest {
  text: string;
  agent?: string;
  model?: string;
  retry?: boolean;
}
