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
