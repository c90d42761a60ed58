import * as z from "zod";
import { agentsSectionSchema } from "./agents-section.js";
import { channelsSectionSchema } from "./channels-section.js";
import { gatewaySectionSchema } from "./gateway-section.js";
import { modelsSectionSchema } from "./models-section.js";

/**
 * The whole config file. Each top-level section is one module beside this one; adding a section
 * adds a module and one line here.
 */
export const configSchema = z.strictObject({
  /** Editors use this to find the JSON Schema; hearth ignores it. */
  $schema: z.string().optional(),
  agents: agentsSectionSchema.prefault({}),
  models: modelsSectionSchema.prefault({}),
  gateway: gatewaySectionSchema.prefault({}),
  /** Messaging channels (WhatsApp); absent: none. */
  channels: channelsSectionSchema.optional(),
}).superRefine((config, context) => {
  const agent = config.channels?.whatsapp?.agent;
  const known = ["main", ...config.agents.list.map((entry) => entry.id)];
  if (agent !== undefined && !known.includes(agent)) {
    context.addIssue({ code: "custom", path: ["channels", "whatsapp", "agent"], message: `no agent "${agent}" (agents: ${known.join(", ")}); add it to agents.list or name one of these` });
  }
});

export type HearthConfig = z.output<typeof configSchema>;
export { MODEL_DEFAULTS, type ModelEntryConfig } from "./model-entry.js";
export type { ProviderConfig, ModelsSection } from "./models-section.js";
export type { RoutingConfig } from "./routing.js";
export type { AgentsSection, AgentEntry, AgentDefaults, ModelSettings } from "./agents-section.js";
export type { GatewayConfig } from "./gateway-section.js";
export { DEFAULT_GATEWAY_BIND, DEFAULT_GATEWAY_PORT } from "./gateway-section.js";
export type { ToolsConfig } from "./tools-section.js";
export type { ChannelsSection, WhatsAppSection } from "./channels-section.js";
