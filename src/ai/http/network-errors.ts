import type { Failure } from "../types.js";
import { ownValue } from "../../shared/own-key.js";

/** What a network error code means to a user, for connection failures before any answer. */
const NETWORK_CODES: Record<string, string> = {
  ECONNREFUSED: "connection refused: nothing is listening there (is the server running?)",
  ENOTFOUND: "the host name does not resolve (DNS)",
  EAI_AGAIN: "the host name could not be resolved right now (DNS)",
  EHOSTUNREACH: "the host is unreachable",
  ENETUNREACH: "the network is unreachable",
  ECONNRESET: "the connection was reset before an answer",
  EPIPE: "the connection closed while sending the request",
  ETIMEDOUT: "the connection attempt timed out",
  ECONNABORTED: "the connection was aborted",
  CERT_HAS_EXPIRED: "the server's TLS certificate has expired",
  DEPTH_ZERO_SELF_SIGNED_CERT: "the server's TLS certificate is self-signed",
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: "the server's TLS certificate cannot be verified",
  ERR_TLS_CERT_ALTNAME_INVALID: "the server's TLS certificate is for another host",
};

export function describeNetworkError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const known = code ? ownValue(NETWORK_CODES, code) : undefined;
  if (known) return known;
  return error instanceof Error ? error.message : String(error);
}

/**
 * Any error before the response headers arrived. Before a connection: the server could not be
 * reached. After it (the request went out, the server was reading it or the prompt): the server
 * dropped the connection — it is there, and it broke off.
 */
export function networkFailure(error: unknown, url: URL, connected = false): Failure {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (connected) {
    return {
      kind: "stream-broken",
      message: `${url.host} dropped the connection before answering (${code ?? describeNetworkError(error)}): the server may have crashed or restarted`,
      detail: code,
    };
  }
  return {
    kind: "unreachable",
    message: `cannot reach ${url.host}: ${describeNetworkError(error)}`,
    detail: code,
  };
}
