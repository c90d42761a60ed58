import { isOwnInterfaceUrl } from "./is-local.js";

/**
 * Why a server at one of this machine's own addresses (not loopback) refused the connection, and the
 * fix: llama-server, LM Studio and Ollama listen on 127.0.0.1 only by default, so the address `hostname -I`
 * shows finds nothing even while the server runs. Undefined for any other address.
 */
export function loopbackOnlyAdvice(baseUrl: string, own?: ReadonlySet<string>): { why: string; fix: string; loopbackUrl: string } | undefined {
  if (!isOwnInterfaceUrl(baseUrl, own)) return undefined;
  const url = new URL(baseUrl);
  const host = url.host;
  const loopbackUrl = `${url.protocol}//127.0.0.1${url.port ? `:${url.port}` : ""}${url.pathname.replace(/\/+$/, "")}${url.search}`;
  return {
    why: `${host} is this machine's own address, and the server probably listens on 127.0.0.1 only (llama-server, LM Studio and Ollama do by default)`,
    fix: `use "${loopbackUrl}" as baseUrl, or start the server on that address (llama-server: --host 0.0.0.0; Ollama: OLLAMA_HOST=0.0.0.0; LM Studio: Serve on Local Network)`,
    loopbackUrl,
  };
}
