import * as z from "zod";
import { DURATION_LIMITS, durationSeconds, SIZE_LIMITS } from "./duration.js";

/** `tools` of an agent: which tools it may use, and the settings of those that need them. */
export const BUILTIN_TOOL_NAMES = ["time", "memory", "web_fetch", "exec"] as const;
export const DEFAULT_TOOLS = ["time", "memory", "web_fetch"] as const;
const toolName = z.enum(BUILTIN_TOOL_NAMES);

export const toolsSchema = z.strictObject({
  /** Only these tools (an empty list: none). Default: time, memory, web_fetch, and exec once configured. */
  allow: z.array(toolName).optional(),
  /** Never these, whatever `allow` says. */
  deny: z.array(toolName).optional(),
  /** Off unless configured: the commands it may run (first word), and where. */
  exec: z
    .strictObject({
      commands: z.array(z.string().min(1)).min(1),
      cwd: z.string().min(1).optional(),
      timeoutSeconds: durationSeconds(DURATION_LIMITS.exec).optional(),
      /** Run exec inside an OS sandbox (bubblewrap, sandbox-exec): "auto" where there is one, "require" refuses to run without, "off". */
      sandbox: z.enum(["auto", "require", "off"]).optional(),
      /** Let programs hearth has no description for take arguments starting with "-" (off: their options could run anything). */
      allowUnknownOptions: z.boolean().optional(),
    })
    .optional(),
  web_fetch: z
    .strictObject({
      maxBytes: z.int().positive().max(SIZE_LIMITS.pageBytes).optional(),
      timeoutSeconds: durationSeconds(DURATION_LIMITS.webFetch).optional(),
      /** Allow fetching from loopback and private networks (off: a page cannot reach your LAN through the model). */
      allowPrivateNetwork: z.boolean().optional(),
    })
    .optional(),
});

export type ToolsConfig = z.output<typeof toolsSchema>;
