import { loadConfig } from "../../config/load.js";
import { parseJson5 } from "../../config/parse-json5.js";
import { configLocation } from "../../config/paths.js";
import { readConfigFile } from "../../config/read-config-file.js";
import { DEFAULT_GATEWAY_BIND, DEFAULT_GATEWAY_PORT } from "../../config/schema/index.js";
import { HearthError } from "../../shared/errors.js";
import { configuredCommand, type CliIo, type GlobalOptions } from "../io.js";

/** Where the config says the gateway listens, and why the config did not load when it did not. */
export interface ConfiguredAddress {
  bind: string;
  port: number;
  /** The config's load error (an unset `${VAR}`, a syntax error, a bad value): the address is then what its file says, as far as it can be read. */
  problem: HearthError | undefined;
  /**
   * Where `port` comes from: the loaded config (it sets `gateway.port`), the file as written (it did not
   * load, but its port is a literal), or the default — the config sets none, or the file's is unknowable
   * (`portUnknown`).
   */
  portFrom: "config" | "file" | "default";
  /** The config's port cannot be known: a file that cannot be read (missing, not JSON5), or that does not load with a port not written as a number (a `${VAR}`). */
  portUnknown: boolean;
  /** True when the file cannot be read (it is missing, or not JSON5: a syntax error): nothing in it is known. */
  unreadable: boolean;
  /** There is no config file where it was looked for (this path): the default address, and no config to say it changed. */
  missingFile?: string | undefined;
  /** The config's gateway.auth.token (for asking the gateway what only it says with it); undefined when it sets none or does not load. */
  token?: string | undefined;
}

/**
 * The config's `gateway.bind` and `gateway.port` for commands that diagnose (`gateway status`): a
 * config that does not load does not stop them. Its problem is returned to be reported, and the
 * address is then read from the file as written — a literal port or bind (not a `${VAR}`), else the
 * default — so the gateway is still asked where it most likely listens; `portFrom` says which.
 */
export function configuredAddress(io: CliIo, options: GlobalOptions): ConfiguredAddress {
  try {
    const loaded = loadConfig({ flag: options.config, env: io.env, cwd: io.cwd, command: configuredCommand(io) });
    const { bind, port } = loaded.config.gateway;
    // A config that sets no gateway.port listens on the default one: said so, not as where "the config says".
    const portSet = loaded.source !== undefined && readWrittenAddress(io, options).portSet;
    return { bind, port, problem: undefined, portFrom: portSet ? "config" : "default", portUnknown: false, unreadable: false, ...(loaded.source === undefined ? { missingFile: loaded.location.file } : {}), token: loaded.config.gateway.auth.token };
  } catch (error) {
    if (!(error instanceof HearthError) || error.kind !== "config") throw error;
    const written = readWrittenAddress(io, options);
    return { bind: written.bind, port: written.port, problem: error, portFrom: written.portSet && written.portWritten ? "file" : "default", portUnknown: !written.portWritten, unreadable: written.unreadable };
  }
}

/**
 * What a config's file says of `gateway.bind` and `gateway.port` as written: a literal value (not a `${VAR}`), else the default;
 * `portKnown` false where the port cannot be known (the file does not parse, or writes it otherwise than as a number).
 */
export function writtenAddress(io: CliIo, options: GlobalOptions): { bind: string; port: number; portKnown: boolean } {
  const { bind, port, portWritten } = readWrittenAddress(io, options);
  return { bind, port, portKnown: portWritten };
}

/** Which of `gateway.port` and `gateway.bind` the config's file writes (whatever their values): an address it does not write is the default, and said so. */
export function writtenGatewayKeys(io: CliIo, options: GlobalOptions): { port: boolean; bind: boolean } {
  const { portSet, bindSet } = readWrittenAddress(io, options);
  return { port: portSet, bind: bindSet };
}

/** `portWritten`: the file settles the port (a literal, or none written: the default); false when it cannot be known. `portSet`, `bindSet`: the file writes a gateway.port, a gateway.bind (whatever its value). */
function readWrittenAddress(io: CliIo, options: GlobalOptions): { bind: string; port: number; portWritten: boolean; portSet: boolean; bindSet: boolean; unreadable: boolean } {
  const fallback = { bind: DEFAULT_GATEWAY_BIND, port: DEFAULT_GATEWAY_PORT, portWritten: false, portSet: false, bindSet: false, unreadable: false };
  let gateway: unknown;
  try {
    const file = configLocation(options.config, { env: io.env, cwd: io.cwd }).file;
    const text = readConfigFile(file);
    if (text === undefined) return { ...fallback, unreadable: true };
    try {
      gateway = (parseJson5(text, file) as { gateway?: unknown } | null)?.gateway;
    } catch {
      // Not JSON5: the problem is the load error already in hand.
      return { ...fallback, unreadable: true };
    }
  } catch {
    // Unreadable: the problem is the load error already in hand.
    return { ...fallback, unreadable: true };
  }
  // No gateway section, or no port in it: the config's port is the default, as it would be once it loads.
  if (gateway === undefined) return { ...fallback, portWritten: true };
  if (gateway === null || typeof gateway !== "object") return { ...fallback, portSet: true, bindSet: true };
  const { bind, port } = gateway as { bind?: unknown; port?: unknown };
  const literal = typeof port === "number" && Number.isInteger(port) && port >= 1 && port <= 65_535;
  return {
    bind: typeof bind === "string" && bind !== "" && !bind.includes("${") ? bind : fallback.bind,
    port: literal ? port : fallback.port,
    portWritten: literal || port === undefined,
    portSet: port !== undefined,
    bindSet: bind !== undefined,
    unreadable: false,
  };
}
