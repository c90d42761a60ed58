import { shellLine, shellQuote } from "../shared/shell-quote.js";
import { existsSync, readFileSync, realpathSync } from "node:fs";
import type { Finding } from "./doctor-finding.js";

/** The installed gateway service as `hearth gateway install` wrote it: which file, for which manager. */
export interface InstalledServiceFile {
  manager: "systemd" | "launchd";
  file: string;
}

/** What an installed service would run, against what this checkout would install. */
export interface ServiceTarget {
  /** The program and arguments the unit's ExecStart or the plist's ProgramArguments hold (node, bin/hearth, gateway …). */
  programArguments: string[];
  /** The --port and --bind its command line carries (`hearth gateway install --port N` writes them): where it listens, over the config's. */
  listen: ServiceListen;
  /**
   * The config the service runs: its command line's `--config` (`hearth --config FILE gateway install` writes it),
   * else the HEARTH_CONFIG its unit or plist sets (as installs before it did); undefined: the default config of its HOME.
   */
  config?: string | undefined;
  /** Where `config` is set: the command line's --config, or the unit's or plist's HEARTH_CONFIG. */
  configFrom?: "--config" | "HEARTH_CONFIG" | undefined;
  /** What is wrong with them; undefined when they run this checkout's bin/hearth with a node that exists. */
  problem?: { kind: "missing" | "elsewhere"; seen: string; fix: string };
}

/** A service's own --port and --bind; each absent one is the config's. */
export interface ServiceListen {
  port?: number;
  bind?: string;
}

/** The --port/--bind (or --port=N) of a gateway command line. */
export function serviceListen(programArguments: readonly string[]): ServiceListen {
  const listen: ServiceListen = {};
  for (let index = 0; index < programArguments.length; index += 1) {
    const word = programArguments[index] ?? "";
    const equals = word.indexOf("=");
    const flag = word.startsWith("--") && equals > 0 ? word.slice(0, equals) : word;
    if (flag !== "--port" && flag !== "--bind") continue;
    const value = flag === word ? programArguments[(index += 1)] : word.slice(equals + 1);
    if (value === undefined) continue;
    if (flag === "--bind") listen.bind = value;
    else if (/^\d+$/.test(value)) listen.port = Number(value);
  }
  return listen;
}

/** The `--config FILE` (or `--config=FILE`) of a gateway command line. */
export function serviceConfigFlag(programArguments: readonly string[]): string | undefined {
  let config: string | undefined;
  for (let index = 0; index < programArguments.length; index += 1) {
    const word = programArguments[index] ?? "";
    if (word === "--config") config = programArguments[(index += 1)];
    else if (word.startsWith("--config=")) config = word.slice("--config=".length);
  }
  return config;
}

/** The HEARTH_CONFIG a unit (`Environment="HEARTH_CONFIG=…"`) or a plist (EnvironmentVariables) sets. */
function environmentConfig(manager: InstalledServiceFile["manager"], text: string): string | undefined {
  if (manager === "systemd") {
    const quoted = /^Environment="HEARTH_CONFIG=((?:[^"\\]|\\.)*)"$/m.exec(text)?.[1];
    return quoted?.replace(/\\(.)/g, "$1").replace(/%%/g, "%");
  }
  const entity: Record<string, string> = { "&lt;": "<", "&gt;": ">", "&quot;": '"', "&apos;": "'", "&amp;": "&" };
  return /<key>HEARTH_CONFIG<\/key>\s*<string>([\s\S]*?)<\/string>/.exec(text)?.[1]?.replace(/&(lt|gt|quot|apos|amp);/g, (name) => entity[name] ?? name);
}

/** The flags that give a gateway command `listen` (" --port 18913 --bind 127.0.0.2"; "" for none). */
export function listenFlags(listen: ServiceListen): string {
  return `${listen.port === undefined ? "" : ` --port ${listen.port}`}${listen.bind === undefined ? "" : ` --bind ${shellQuote(listen.bind)}`}`;
}

/**
 * The unit's `ExecStart=` as `systemdUnit` quotes it ("…" each, with \\ \" and %% escaped), or a
 * plain space-separated line someone wrote by hand.
 */
export function systemdProgramArguments(unit: string): string[] {
  const line = /^ExecStart=(.*)$/m.exec(unit)?.[1]?.trim() ?? "";
  const words: string[] = [];
  for (const match of line.matchAll(/"((?:[^"\\]|\\.)*)"|(\S+)/g)) {
    const quoted = match[1];
    const word = quoted === undefined ? (match[2] ?? "") : quoted.replace(/\\(.)/g, "$1");
    words.push(word.replace(/%%/g, "%"));
  }
  return words;
}

/** The plist's ProgramArguments strings, XML entities undone. */
export function launchdProgramArguments(plist: string): string[] {
  const array = /<key>ProgramArguments<\/key>\s*<array>([\s\S]*?)<\/array>/.exec(plist)?.[1] ?? "";
  const entity: Record<string, string> = { "&lt;": "<", "&gt;": ">", "&quot;": '"', "&apos;": "'", "&amp;": "&" };
  return [...array.matchAll(/<string>([\s\S]*?)<\/string>/g)].map((match) => (match[1] ?? "").replace(/&(lt|gt|quot|apos|amp);/g, (name) => entity[name] ?? name));
}

/**
 * Reads the installed service (undefined when there is none) and compares what it runs with `bin`, this
 * checkout's bin/hearth: a moved or deleted checkout (or node) leaves a service that fails at every
 * start; another checkout's is a service that runs other code than the one in hand.
 */
export function serviceTarget(installed: InstalledServiceFile, here: ThisCheckout): ServiceTarget | undefined {
  if (!existsSync(installed.file)) return undefined;
  const { bin } = here;
  const text = readFileSync(installed.file, "utf8");
  const programArguments = installed.manager === "systemd" ? systemdProgramArguments(text) : launchdProgramArguments(text);
  const listen = serviceListen(programArguments.slice(2));
  const flag = serviceConfigFlag(programArguments.slice(2));
  const config = flag ?? environmentConfig(installed.manager, text);
  const configFrom = config === undefined ? undefined : flag !== undefined ? ("--config" as const) : ("HEARTH_CONFIG" as const);
  // Installed again as it is: its own config and address.
  const fix = `run \`${here.command}${config === undefined ? "" : ` ${shellLine(["--config", config])}`} gateway install${listenFlags(listen)}\` again from the checkout the service should run (from this one, it runs ${bin})`;
  const where = `${installed.file} runs \`${shellLine(programArguments)}\``;
  const [node, script] = programArguments;
  if (node === undefined || script === undefined) return { programArguments, listen, config, configFrom, problem: { kind: "missing", seen: `${installed.file} names no program to run`, fix } };
  const gone = [node, script].filter((path) => !existsSync(path));
  if (gone.length > 0) return { programArguments, listen, config, configFrom, problem: { kind: "missing", seen: `${where}, but ${gone.join(" and ")} no longer exist${gone.length === 1 ? "s" : ""} (moved or deleted): the service fails at every start`, fix } };
  if (realpathSync(script) !== (existsSync(bin) ? realpathSync(bin) : bin)) return { programArguments, listen, config, configFrom, problem: { kind: "elsewhere", seen: `${where}: another checkout than this one (${bin})`, fix: `if this checkout is the one to run, ${fix}; else nothing to do` } };
  return { programArguments, listen, config, configFrom };
}

/** This checkout's bin/hearth (what an install from here runs) and the command the user typed to run it (`./bin/hearth`, `hearth`). */
export interface ThisCheckout {
  bin: string;
  command: string;
}

/** doctor's check of the installed service; none when no service is installed. */
export function serviceFindings(installed: InstalledServiceFile | undefined, here: ThisCheckout): Finding[] {
  const target = installed === undefined ? undefined : serviceTarget(installed, here);
  const { bin } = here;
  if (installed === undefined || target === undefined) return [];
  if (!target.problem) return [{ id: "gateway-service", severity: "ok", group: "gateway", title: `the gateway service (${installed.manager}) runs this checkout`, seen: `${installed.file} runs ${bin}`, fix: "" }];
  const { kind, seen, fix } = target.problem;
  return [
    {
      id: "gateway-service",
      severity: kind === "missing" ? "error" : "warn",
      group: "gateway",
      title: kind === "missing" ? `the gateway service (${installed.manager}) runs a program that is not there` : `the gateway service (${installed.manager}) runs another checkout`,
      seen,
      fix,
    },
  ];
}
