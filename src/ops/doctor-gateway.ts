import type { HttpClient } from "../ai/http/http-client.js";
import { requestJson } from "../ai/http/get-json.js";
import { gatewayUrl, isLoopback } from "../config/gateway-address.js";
import { DEFAULT_GATEWAY_BIND, DEFAULT_GATEWAY_PORT, type GatewayConfig } from "../config/schema/index.js";
import { ok, type Finding } from "./doctor-finding.js";
import { restartNeedLine, type RestartNeed } from "./restart-needed.js";
import { anotherInstance, envWrittenSinceRead, healthOwnership, hearthHealth, writtenSinceStart } from "./gateway-health.js";
import { listenFlags, type ServiceListen } from "./gateway-service-target.js";
import { GATEWAY_TOKEN_ADVICE } from "./gateway-token-advice.js";
import { answeringRecord, whyElsewhere } from "./gateway-listening.js";
import { localTime } from "../shared/local-time.js";
import { unresponsiveGateway } from "./gateway-unresponsive.js";

export interface GatewayCheck {
  findings: Finding[];
  /** Where /health was asked. */
  url: string;
  /** Whether a gateway answered there. */
  running: boolean;
}

/** How long /health may take to start answering. */
const HEALTH_FIRST_BYTE_MS = 3_000;

const TOKEN_FIX = `write a token: ${GATEWAY_TOKEN_ADVICE}`;
const LOOPBACK_FIX = 'set gateway.bind to "127.0.0.1" and reach it from elsewhere through an SSH tunnel or a reverse proxy with TLS';

export interface GatewayLookup {
  /** The config's gateway section; undefined when the config did not load. */
  gateway: GatewayConfig | undefined;
  /** When the config did not load: the address its file gives as written (asked instead of the defaults); `portKnown` false: its port cannot be known (the default is asked). */
  written?: { bind: string; port: number; portKnown?: boolean } | undefined;
  /** HEARTH_GATEWAY_URL: replaces only the address asked. */
  override: string | undefined;
  /** Which of gateway.port and gateway.bind the config writes; absent: taken as written. Unwritten ones are the defaults, and said so. */
  keys?: { port: boolean; bind: boolean } | undefined;
  /** The installed service's own --port/--bind (its command line), over the config's. */
  service?: ServiceListen | undefined;
  /** This state dir and its stateInstance: a gateway of another one answering is not taken for this one's. */
  state: { dir: string; instance: string };
  /** gateway.env and when it was last written; undefined when there is none. */
  envFile?: { path: string; mtimeMs: number } | undefined;
  /** The installed service's unit or plist and when it was last written; undefined when none is installed. */
  serviceFile?: { path: string; mtimeMs: number } | undefined;
}

/**
 * The gateway where it listens — the installed service's --port/--bind, else the config's
 * `gateway.bind`, `gateway.port`: running or not (GET /health, hearth's own; not running is fine, the
 * CLI works without it), and its exposure from the config itself — /health does not say its bind or
 * whether it asks for a token.
 */
export async function gatewayFindings(http: HttpClient, lookup: GatewayLookup): Promise<GatewayCheck> {
  const { gateway, service } = lookup;
  const configured = { bind: gateway?.bind ?? lookup.written?.bind ?? DEFAULT_GATEWAY_BIND, port: gateway?.port ?? lookup.written?.port ?? DEFAULT_GATEWAY_PORT };
  const address = { bind: service?.bind ?? configured.bind, port: service?.port ?? configured.port };
  let url = (lookup.override || gatewayUrl(address)).replace(/\/+$/, "");
  const keys = lookup.keys ?? { port: true, bind: true };
  // The config's address as it is known: written there, or (nothing written) the default — never "the config says" of a default.
  const configSays = keys.port || keys.bind ? `the config says ${gatewayUrl(configured)}` : `the config sets no gateway.port or gateway.bind: the default is ${gatewayUrl(configured)}`;
  let apart = lookup.override || gatewayUrl(address) === gatewayUrl(configured) ? "" : ` (the installed service's own address, from its --port/--bind; ${configSays})`;
  const findings: Finding[] = [];
  const ask = (at: string) => requestJson(http, `${at}/health`, { timeouts: { connectMs: 1_500, firstByteMs: HEALTH_FIRST_BYTE_MS, idleMs: 3_000, totalMs: 5_000 } });
  let health = await ask(url);
  // Nothing answers where it is looked for: a gateway of this state dir started with --port/--bind says where it runs.
  // Each running gateway of this state dir keeps its own record (gateway.listening/<pid>.json): the first that answers as ours.
  const ours = async (at: string) => {
    const there = await ask(at);
    const hearth = there.ok ? hearthHealth(there.body) : undefined;
    return hearth && healthOwnership(hearth, lookup.state.instance) === "ours" ? there : undefined;
  };
  const found = !health.ok && health.failure.status === undefined && !lookup.override ? await answeringRecord(lookup.state.dir, { except: url, ours }) : undefined;
  // The config did not load and gives no address, nor does a service's command line: where it should listen is unknown, and nothing is compared with it.
  const addressKnown = gateway !== undefined || (lookup.written !== undefined && lookup.written.portKnown !== false) || service?.port !== undefined;
  if (found) {
    health = found.answer;
    apart = addressKnown
      ? ` (started with another address: ${url} is ${expectedAddress(service, keys)}${whyElsewhere(found, { says: service ? "the service" : "the config" }).replace(/^ \((.*)\)$/, "; $1")})`
      : ` (found where it recorded it listens: the config does not load, so the address it sets is unknown; ${url} was asked first)`;
    url = found.url;
  }
  let running = false;
  let pending: RestartNeed[] = [];
  // Nothing answers, yet the state dir's gateway process runs: stopped (a suspended laptop, Ctrl+Z) or hung, not absent.
  const unresponsive = !health.ok && health.failure.status === undefined && !lookup.override ? unresponsiveGateway(lookup.state.dir, { url, waitedMs: HEALTH_FIRST_BYTE_MS }) : undefined;
  if (unresponsive) {
    findings.push({ id: "gateway-unresponsive", severity: unresponsive.starting ? "warn" : "error", group: "gateway", title: unresponsive.line, seen: `GET ${url}/health: ${health.ok ? "" : health.failure.message}; gateway.owner.json names pid ${unresponsive.pid}, which runs`, fix: unresponsive.fix });
  } else if (!health.ok && health.failure.status === undefined) {
    findings.push(ok("gateway", "gateway-unhealthy", `no gateway at ${url}${apart} (fine unless you use the web chat, the API or WhatsApp)`));
  } else if (!health.ok) {
    running = true;
    findings.push({ id: "gateway-unhealthy", severity: "error", group: "gateway", title: `the gateway at ${url}${apart} is unhealthy`, seen: `GET ${url}/health answered ${health.failure.status}: ${health.failure.message}`, fix: "see its log (`hearth logs`) and restart it" });
  } else {
    const hearth = hearthHealth(health.body);
    const whose = hearth && healthOwnership(hearth, lookup.state.instance);
    running = hearth !== undefined && whose !== "another";
    if (hearth && whose === "another")
      findings.push({
        id: "gateway-other-instance",
        severity: "warn",
        group: "gateway",
        title: `${anotherInstance(url, lookup.state.dir)}${apart}`,
        seen: `GET ${url}/health names instance ${hearth.instance ?? "?"}, this state dir's is ${lookup.state.instance}: this one's gateway cannot listen there while it runs`,
        fix: "run the commands with the HEARTH_STATE_DIR (or HOME) of the gateway you mean, or stop that gateway; or give this one another port (gateway.port)",
      });
    else if (hearth) {
      findings.push(ok("gateway", "gateway-unhealthy", `the gateway at ${url}${apart} is up${hearth.version ? ` (version ${hearth.version})` : ""}, ${health.ms} ms`));
      if (envWrittenSinceRead(hearth, lookup.envFile))
        findings.push({
          id: "gateway-env-stale",
          severity: "warn",
          group: "gateway",
          title: `${lookup.envFile?.path ?? "gateway.env"} changed after the gateway ${hearth.envReadAt === undefined || hearth.envReadAt === hearth.startedAt ? "started" : "last read it"}`,
          seen: `written ${localTime(lookup.envFile?.mtimeMs ?? 0, "second")}, the gateway at ${url} ${hearth.envReadAt === undefined || hearth.envReadAt === hearth.startedAt ? `up since ${localTime(hearth.startedAt ?? 0, "second")}` : `read it last at ${localTime(hearth.envReadAt, "second")}`}: it still runs with the variables from before (a key removed there is still in use)`,
          fix: `restart to apply: ${service ? "`hearth gateway restart`" : "stop the gateway and start it again"}`,
        });
      // The gateway settings edited since it started: the running gateway keeps the old ones (a token added is not asked for yet).
      pending = hearth.restartNeeded;
      for (const need of pending)
        findings.push({
          id: "gateway-restart-needed",
          severity: need.key === "gateway.auth.token" && need.change === "added" ? "error" : "warn",
          group: "gateway",
          title: `restart needed: ${restartNeedLine(need)}`,
          seen: `GET ${url}/health names ${need.key} among the settings changed since the gateway started (${localTime(hearth.startedAt ?? 0, "second")})`,
          fix: `restart to apply: ${service ? "`hearth gateway restart`" : "stop the gateway (Ctrl+C where it runs) and start it again"}`,
        });
      if (writtenSinceStart(hearth, lookup.serviceFile))
        findings.push({
          id: "gateway-unit-stale",
          severity: "warn",
          group: "gateway",
          title: `${lookup.serviceFile?.path ?? "the service's unit"} changed after the gateway started`,
          seen: `written ${localTime(lookup.serviceFile?.mtimeMs ?? 0, "second")}, the gateway at ${url} up since ${localTime(hearth.startedAt ?? 0, "second")}: the service runs as its unit or plist said before`,
          fix: "restart to apply: `hearth gateway restart`",
        });
    } else
      findings.push({
        id: "gateway-port-taken",
        severity: service ? "error" : "warn",
        group: "gateway",
        title: `another server than hearth's gateway answers at ${url}${apart}`,
        seen: `GET ${url}/health answered ${JSON.stringify(health.body).slice(0, 120)}, not hearth's { status, service: "hearth", … }: a gateway started there fails with "port in use"${service ? " (the installed service, at every start)" : ""}`,
        fix: service ? "`hearth gateway install --port <a free port>` moves the service, or stop the program that holds the port" : "set gateway.port to a free port (or stop the program that holds it)",
      });
  }
  if (!gateway) return { findings, url, running };

  // The installed service's own --bind/--port are what it listens on; the token is the config's either way.
  const { bind, port } = address;
  const where = service?.bind !== undefined ? `the installed service's --bind "${bind}"` : keys.bind ? `gateway.bind "${bind}"` : `the default bind "${bind}" (no gateway.bind in the config)`;
  const loopbackFix = service?.bind === undefined ? LOOPBACK_FIX : `install the service again listening on loopback, \`hearth gateway install${listenFlags({ port: service.port, bind: "127.0.0.1" })}\`, and reach it from elsewhere through an SSH tunnel or a reverse proxy with TLS`;
  if (isLoopback(bind)) {
    const tokenPending = pending.some((need) => need.key === "gateway.auth.token" && need.change === "added");
    const auth =
      gateway.auth.token === undefined
        ? "no token: every program on this machine may use it (`hearth security audit` weighs that)"
        : tokenPending
          ? "the config sets gateway.auth.token, but the running gateway asks for none until it is restarted"
          : "it asks for gateway.auth.token";
    findings.push(ok("gateway", "gateway-exposed", `${where} is loopback: only this machine reaches it; ${auth}`));
  } else if (gateway.auth.token === undefined) {
    // The gateway checks the same at start: this config cannot serve.
    findings.push({
      id: "gateway-no-auth",
      severity: "error",
      group: "gateway",
      title: `the gateway is set to listen on ${bind} without a token: it refuses to start`,
      seen: `${where} is not loopback and gateway.auth.token is not set: the gateway exits (code 2) rather than let anyone who reaches port ${port} use your models and read your conversations${running ? `; the one answering at ${url} was started with other settings and will not come back after a restart` : ""}`,
      fix: `${TOKEN_FIX} (clients then send "Authorization: Bearer <token>"), or ${loopbackFix}`,
    });
  } else {
    findings.push({
      id: "gateway-exposed",
      severity: "warn",
      group: "gateway",
      title: `the gateway listens on ${bind}, not loopback`,
      seen: `${where}, port ${port}: other machines can reach it; it asks for its token, but speaks plain HTTP, so the token and your conversations cross the network unencrypted`,
      fix: `${loopbackFix} (keep the token)`,
    });
  }
  return { findings, url, running };
}

/**
 * Where the gateway was looked for, as said after "<url> is": the installed service's own --port, the
 * config's gateway.port, or — neither names one — the default address (as `gateway status` says it).
 */
function expectedAddress(service: ServiceListen | undefined, keys: { port: boolean }): string {
  if (service?.port !== undefined) return "where the installed service says it listens (its --port)";
  if (!keys.port) return `the default address (no gateway.port in the config${service ? ", no --port on the installed service's command line" : ""})`;
  return service ? "where the installed service says it listens" : "where the config says it listens";
}
