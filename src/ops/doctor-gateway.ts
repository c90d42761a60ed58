import type { HttpClient } from "../ai/http/http-client.js";
import { requestJson } from "../ai/http/get-json.js";
import { record, stringOf } from "../ai/json-fields.js";
import { gatewayUrl, isLoopback } from "../config/gateway-address.js";
import { DEFAULT_GATEWAY_BIND, DEFAULT_GATEWAY_PORT, type GatewayConfig } from "../config/schema/index.js";
import { ok, type Finding } from "./doctor-finding.js";
import { GATEWAY_TOKEN_ADVICE } from "./gateway-token-advice.js";

export interface GatewayCheck {
  findings: Finding[];
  /** Where /health was asked. */
  url: string;
  /** Whether a gateway answered there. */
  running: boolean;
}

const TOKEN_FIX = `write a token: ${GATEWAY_TOKEN_ADVICE}`;
const LOOPBACK_FIX = 'set gateway.bind to "127.0.0.1" and reach it from elsewhere through an SSH tunnel or a reverse proxy with TLS';

/**
 * The gateway where the config says it listens (`gateway.bind`, `gateway.port`; `override`, from
 * HEARTH_GATEWAY_URL, replaces only the address asked): running or not (GET /health; not running is
 * fine, the CLI works without it), and its exposure from the config itself — /health does not say
 * its bind or whether it asks for a token. `gateway` is undefined when the config did not load.
 */
export async function gatewayFindings(http: HttpClient, gateway: GatewayConfig | undefined, override: string | undefined): Promise<GatewayCheck> {
  const address = { bind: gateway?.bind ?? DEFAULT_GATEWAY_BIND, port: gateway?.port ?? DEFAULT_GATEWAY_PORT };
  const url = (override || gatewayUrl(address)).replace(/\/+$/, "");
  const findings: Finding[] = [];
  const health = await requestJson(http, `${url}/health`, { timeouts: { connectMs: 1_500, firstByteMs: 3_000, idleMs: 3_000, totalMs: 5_000 } });
  let running = false;
  if (!health.ok && health.failure.status === undefined) {
    findings.push(ok("gateway", "gateway-unhealthy", `no gateway at ${url} (fine unless you use the web chat, the API or WhatsApp)`));
  } else if (!health.ok) {
    running = true;
    findings.push({ id: "gateway-unhealthy", severity: "error", group: "gateway", title: `the gateway at ${url} is unhealthy`, seen: `GET ${url}/health answered ${health.failure.status}: ${health.failure.message}`, fix: "see its log (`hearth logs`) and restart it" });
  } else {
    running = true;
    const body = record(health.body);
    const version = stringOf(body.version);
    findings.push(ok("gateway", "gateway-unhealthy", `the gateway at ${url} is up${version ? ` (version ${version})` : ""}, ${health.ms} ms`));
  }
  if (!gateway) return { findings, url, running };

  const where = `gateway.bind "${gateway.bind}"`;
  if (isLoopback(gateway.bind)) {
    const auth = gateway.auth.token === undefined ? "no token: every program on this machine may use it (`hearth security audit` weighs that)" : "it asks for gateway.auth.token";
    findings.push(ok("gateway", "gateway-exposed", `${where} is loopback: only this machine reaches it; ${auth}`));
  } else if (gateway.auth.token === undefined) {
    // The gateway checks the same at start: this config cannot serve.
    findings.push({
      id: "gateway-no-auth",
      severity: "error",
      group: "gateway",
      title: `the gateway is set to listen on ${gateway.bind} without a token: it refuses to start`,
      seen: `${where} is not loopback and gateway.auth.token is not set: the gateway exits (code 2) rather than let anyone who reaches port ${gateway.port} use your models and read your conversations${running ? `; the one answering at ${url} was started with other settings and will not come back after a restart` : ""}`,
      fix: `${TOKEN_FIX} (clients then send "Authorization: Bearer <token>"), or ${LOOPBACK_FIX}`,
    });
  } else {
    findings.push({
      id: "gateway-exposed",
      severity: "warn",
      group: "gateway",
      title: `the gateway listens on ${gateway.bind}, not loopback`,
      seen: `${where}, port ${gateway.port}: other machines can reach it; it asks for its token, but speaks plain HTTP, so the token and your conversations cross the network unencrypted`,
      fix: `${LOOPBACK_FIX} (keep the token)`,
    });
  }
  return { findings, url, running };
}
