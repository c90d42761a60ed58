import type { ToolsConfig } from "../../config/schema/index.js";
import { EXEC_DEFAULTS } from "./exec.js";
import { execWorkingDirectory } from "./exec/working-directory.js";
import { policyFor } from "./registry.js";
import { WEB_FETCH_DEFAULTS } from "./web-fetch.js";

/** An agent's `tools` as they act: the tools it may use, and each setting with the default the tool itself applies. */
export interface EffectiveTools {
  /** The tools the agent may use: `allow` (or the default set) minus `deny`, exec only once its commands are configured. */
  allow: string[];
  deny: string[];
  /** Null: exec is off (no commands configured). */
  exec: { commands: string[]; cwd: string; timeoutSeconds: number; sandbox: "auto" | "require" | "off"; allowUnknownOptions: boolean } | null;
  web_fetch: { maxBytes: number; timeoutSeconds: number; allowPrivateNetwork: boolean };
}

export function effectiveTools(settings: ToolsConfig | undefined, stateDir: string): EffectiveTools {
  const exec = settings?.exec;
  const fetch = settings?.web_fetch;
  return {
    allow: [...policyFor(settings)],
    deny: settings?.deny ?? [],
    exec: exec
      ? {
          commands: exec.commands,
          cwd: execWorkingDirectory(stateDir, exec.cwd),
          timeoutSeconds: exec.timeoutSeconds ?? EXEC_DEFAULTS.timeoutSeconds,
          sandbox: exec.sandbox ?? EXEC_DEFAULTS.sandbox,
          allowUnknownOptions: exec.allowUnknownOptions ?? EXEC_DEFAULTS.allowUnknownOptions,
        }
      : null,
    web_fetch: {
      maxBytes: fetch?.maxBytes ?? WEB_FETCH_DEFAULTS.maxBytes,
      timeoutSeconds: fetch?.timeoutSeconds ?? WEB_FETCH_DEFAULTS.timeoutSeconds,
      allowPrivateNetwork: fetch?.allowPrivateNetwork ?? WEB_FETCH_DEFAULTS.allowPrivateNetwork,
    },
  };
}
