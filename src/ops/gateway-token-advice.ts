import type { ConfigProblem } from "../config/problems.js";
import { isLoopback } from "../config/gateway-address.js";
/**
 * How to give the gateway a token that the installed service and every command in any shell resolve:
 * the secret in `~/.hearth/gateway.env` (the service's EnvironmentFile, which the config loader also
 * reads for a variable the environment lacks), the config naming it. An `export` in one shell alone
 * would leave the service, and every other shell, with a config that does not load. `>>` into a file
 * that exists keeps its mode whatever the umask: the chmod makes it owner-only.
 */
export const GATEWAY_TOKEN_ADVICE =
  "(umask 077; mkdir -p ~/.hearth; printf 'HEARTH_GATEWAY_TOKEN=%s\\n' \"$(openssl rand -hex 24)\" >> ~/.hearth/gateway.env; chmod 600 ~/.hearth/gateway.env) and set gateway.auth.token to \"${HEARTH_GATEWAY_TOKEN}\": the installed service and every command you run read it from ~/.hearth/gateway.env";

/** Why the gateway will not listen on a non-loopback `bind` without gateway.auth.token, and the fix: said alike by `hearth gateway` and `hearth gateway install`. */
export function openBindRefusal(bind: string): { message: string; fixes: string[] } {
  return {
    message: `refusing to listen on ${bind} without a token: anyone who can reach it could use your models and read your conversations`,
    fixes: [`fix: write a token: ${GATEWAY_TOKEN_ADVICE}; clients then send "Authorization: Bearer <token>"`, "or listen on 127.0.0.1 only (the default: leave out --bind and gateway.bind)"],
  };
}

/**
 * The config's own warning when its gateway section cannot start: `gateway.bind` beyond loopback with no
 * gateway.auth.token (`hearth gateway` refuses to start on it). `config validate` says it, so that a live
 * edit is not found out only at the restart the gateway then asks for.
 */
export function openBindWarning(gateway: { bind: string; auth: { token?: string | undefined } }): ConfigProblem[] {
  if (isLoopback(gateway.bind) || gateway.auth.token !== undefined) return [];
  return [{ severity: "warning", path: ["gateway", "bind"], message: `"${gateway.bind}" is not loopback and gateway.auth.token is not set: \`hearth gateway\` refuses to start with this config; write a token first: ${GATEWAY_TOKEN_ADVICE}` }];
}
