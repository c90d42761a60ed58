import { z } from "zod";
import { agentsSectionSchema } from "./agents-section.js";
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
});

export type HearthConfig = z.output<typeof configSchema>;
export { MODEL_DEFAULTS, type ModelEntryConfig } from "./model-entry.js";
export type { ProviderConfig, ModelsSection } from "./models-section.js";
export type { RoutingConfig } from "./routing.js";
export type { AgentsSection, AgentEntry, AgentDefaults, ModelSettings } from "./agents-section.js";
export type { GatewayConfig } from "./gateway-section.js";
export { DEFAULT_GATEWAY_BIND, DEFAULT_GATEWAY_PORT } from "./gateway-section.js";
export type { ToolsConfig } from "./tools-section.js";
