import type { ReasoningShown } from "../agent/commands.js";
import type { ChannelId } from "./port.js";

/** How each channel shows reasoning (what `/reasoning on` answers there; `security audit` judges who reads it from this). */
export const REASONING_SHOWN: Readonly<Record<ChannelId, ReasoningShown>> = { cli: "dimmed", webchat: "collapsed", whatsapp: "never", http: "when-asked" };
