import { loadConfig } from "../../config/load.js";
import { parseJson5 } from "../../config/parse-json5.js";
import { configLocation } from "../../config/paths.js";
import { readConfigFile } from "../../config/read-config-file.js";
import { DEFAULT_GATEWAY_BIND, DEFAULT_GATEWAY_PORT } from "../../config/schema/index.js";
import { HearthError } from "../../shared/errors.js";
import type { CliIo, GlobalOptions } from "../io.js";

/** Where the config says the gateway listens, and why the config did not load when it did not. */
export interface ConfiguredAddress {
  bind: string;
  port: number;
  /** The config's load error (an unset `${VAR}`, a syntax error, a bad value): the address is then what its file says, as far as it can be read. */
  problem: HearthError | undefined;
}

/**
 * The config's `gateway.bind` and `gateway.port` for commands that diagnose (`gateway status`): a
 * config that does not load does not stop them. Its problem is returned to be reported, and the
 * address is then read from the file as written — a literal port or bind (not a `${VAR}`), else the
 * default — so the gateway is still asked where it most likely listens.
 */
export function configuredAddress(io: CliIo, options: GlobalOptions): ConfiguredAddress {
  try {
    const { bind, port } = loadConfig({ flag: options.config, env: io.env, cwd: io.cwd, command: io.command }).config.gateway;
    return { bind, port, problem: undefined };
  } catch (error) {
    if (!(error instanceof HearthError) || error.kind !== "config") throw error;
    return { ...writtenAddress(io, options), problem: error };
  }
}

/** What a config's file says of `gateway.bind` and `gateway.port` as written: a literal value (not a `${VAR}`), else the default. */
export function writtenAddress(io: CliIo, options: GlobalOptions): { bind: string; port: number } {
  const fallback = { bind: DEFAULT_GATEWAY_BIND, port: DEFAULT_GATEWAY_PORT };
  let gateway: unknown;
  try {
    const file = configLocation(options.config, { env: io.env, cwd: io.cwd }).file;
    const text = readConfigFile(file);
    if (text === undefined) return fallback;
    gateway = (parseJson5(text, file) as { gateway?: unknown } | null)?.gateway;
  } catch {
    // Unreadable or not JSON5: the problem is the load error already in hand.
    return fallback;
  }
  if (gateway === null || typeof gateway !== "object") return fallback;
  const { bind, port } = gateway as { bind?: unknown; port?: unknown };
  return {
    bind: typeof bind === "string" && bind !== "" && !bind.includes("${") ? bind : fallback.bind,
    port: typeof port === "number" && Number.isInteger(port) && port >= 1 && port <= 65_535 ? port : fallback.port,
  };
}
