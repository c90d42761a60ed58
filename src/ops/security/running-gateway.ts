import { networkInterfaces } from "node:os";
import type { HttpClient } from "../../ai/http/http-client.js";
import { requestJson } from "../../ai/http/get-json.js";
import { gatewayUrl, isLoopback, networkUrls, type Interfaces } from "../../config/gateway-address.js";
import { stateInstance } from "../../config/state-instance.js";
import { answeringRecords } from "../gateway-listening.js";
import { healthOwnership, hearthHealth } from "../gateway-health.js";
import { GATEWAY_TOKEN_ADVICE } from "../gateway-token-advice.js";
import type { Finding } from "./finding.js";

/** A running gateway of this state dir that listens beyond loopback, as its record in `gateway.listening/` and its own answers say. */
export interface OpenGateway {
  pid: number;
  /** The address it listens on (0.0.0.0, ::, or one of the machine's). */
  bind: string;
  port: number;
  /** Its `--port`/`--bind` (empty: it listens where the config said when it started; absent: an older gateway did not say). */
  flags: readonly string[] | undefined;
  /** Where other machines reach it. */
  reachedAt: readonly string[];
  /** Whether it refuses a request without its token: asked of it (GET /api/status without one). */
  token: { asked: true } | { asked: false } | { asked: undefined; why: string };
}

const TIMEOUTS = { connectMs: 1_500, firstByteMs: 3_000, idleMs: 3_000, totalMs: 5_000 };

/**
 * The running gateways of this state dir (as `gateway status` finds them: their records, each asked
 * whether it is this state dir's) that listen beyond loopback, each asked whether it wants its token.
 */
export async function openGateways(http: HttpClient, stateDir: string, interfaces: Interfaces = networkInterfaces()): Promise<OpenGateway[]> {
  const instance = stateInstance(stateDir);
  const listening = (url: string): { bind: string; port: number } => {
    const parsed = new URL(url);
    return { bind: parsed.hostname.replace(/^\[(.*)\]$/, "$1"), port: Number(parsed.port) };
  };
  const ours = async (url: string): Promise<true | undefined> => {
    const health = await requestJson(http, `${gatewayUrl(listening(url))}/health`, { timeouts: TIMEOUTS });
    const hearth = health.ok ? hearthHealth(health.body) : undefined;
    return hearth && healthOwnership(hearth, instance) !== "another" ? true : undefined;
  };
  const running = await answeringRecords(stateDir, ours);
  const open = running.filter((record) => !isLoopback(listening(record.url).bind));
  return Promise.all(
    open.map(async (record): Promise<OpenGateway> => {
      const { bind, port } = listening(record.url);
      const status = await requestJson(http, `${gatewayUrl({ bind, port })}/api/status`, { timeouts: TIMEOUTS });
      const token: OpenGateway["token"] = status.ok ? { asked: false } : status.failure.status === 401 ? { asked: true } : { asked: undefined, why: status.failure.message };
      return { pid: record.pid, bind, port, flags: record.flags, reachedAt: networkUrls({ bind, port }, interfaces), token };
    }),
  );
}

/** What each open running gateway exposes, with the token it asks (or not) and where it was told to listen so. */
export function openGatewayFindings(open: readonly OpenGateway[]): Finding[] {
  return open.map((gateway) => {
    const every = gateway.bind === "0.0.0.0" || gateway.bind === "::" ? " (every interface)" : "";
    const bindFlag = gateway.flags?.find((flag) => flag.startsWith("--bind"));
    const why = gateway.flags === undefined ? "" : bindFlag ? `: ${bindFlag} on its command line` : ": gateway.bind in the config it started with";
    const where = gateway.reachedAt.length > 0 ? `Other machines on the network reach it at ${gateway.reachedAt.map((url) => `${url}/`).join(", ")}` : "Other machines on the network can reach it";
    const token = gateway.token.asked === true
      ? "; it asks for its token (gateway.auth.token), so they see its port, and whoever has the token drives the agent and its tools."
      : gateway.token.asked === false
        ? "; it asks for no token: whoever reaches it drives the agent and its tools, and reads every conversation."
        : `; whether it asks for a token could not be told (GET /api/status: ${gateway.token.why}).`;
    const listen = bindFlag ? "restart it without --bind (or with --bind 127.0.0.1)" : "set gateway.bind to \"127.0.0.1\" and restart it";
    const tokenFix = gateway.token.asked === false ? `; at the least give it a token: ${GATEWAY_TOKEN_ADVICE}` : "";
    return {
      id: "gateway-running-open",
      severity: "high",
      title: `the running gateway (pid ${gateway.pid}) listens on ${gateway.bind}:${gateway.port}${every}, not loopback${why}`,
      detail: `${where}${token}`,
      remediation: `${listen}, and reach it from elsewhere through an SSH tunnel or a reverse proxy with TLS${tokenFix}`,
    };
  });
}
