import type { GatewayPort } from "../../gateway/port.js";

/** What the WhatsApp channel uses of the gateway: turns, live events (provider health), transcripts, the models (which read images). */
export type WhatsAppGateway = Pick<GatewayPort, "handle" | "subscribe" | "sessions" | "catalogue">;
