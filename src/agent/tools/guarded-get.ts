import { lookup as dnsLookup } from "node:dns/promises";
import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { isIP, type LookupFunction } from "node:net";
import { createBrotliDecompress, createGunzip, createInflate } from "node:zlib";
import type { Readable } from "node:stream";

export interface ResolvedAddress {
  address: string;
  family: number;
}

/** Every address a host name resolves to (node:dns lookup by default; tests inject their own). */
export type ResolveHost = (hostname: string) => Promise<readonly ResolvedAddress[]>;

export const resolveWithDns: ResolveHost = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

export interface GuardOptions {
  resolve: ResolveHost;
  allowPrivateNetwork: boolean;
  /** Why a connection to this address is refused (private, or this machine's own), or undefined when it may go ahead. */
  refusalReason: (address: string) => string | undefined;
  /** Why a connection to this address and port is refused whatever `allowPrivateNetwork` says (hearth's own gateway), or undefined. */
  neverReached?: ((address: string, port: number) => string | undefined) | undefined;
}

/** A refusal the model should read as is. */
export class RefusedError extends Error {}

/**
 * One GET without following redirects. The destination is checked on the addresses the socket is
 * about to connect to (the `lookup` hook), not on the name: a host name re-resolving to a private
 * address between a check and the connection (DNS rebinding) cannot slip through.
 */
export async function guardedGet(url: URL, guard: GuardOptions, signal: AbortSignal): Promise<IncomingMessage> {
  const hostname = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
  if (isIP(hostname)) {
    const never = guard.neverReached?.(hostname, portOf(url));
    if (never) throw new RefusedError(`${url.host} is ${never}`);
    const reason = guard.allowPrivateNetwork ? undefined : guard.refusalReason(hostname);
    if (reason) throw refusal(url.host, hostname, reason);
  }
  const request = url.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const outgoing = request(url, {
      method: "GET",
      signal,
      // A fresh connection every time: a pooled socket would skip the address check below.
      agent: false,
      lookup: guardedLookup(url, guard),
      headers: {
        "user-agent": "hearth (a personal assistant fetching one page)",
        accept: "text/html,application/xhtml+xml,application/json;q=0.9,text/plain;q=0.8,*/*;q=0.5",
        "accept-encoding": "gzip, deflate, br",
      },
    });
    outgoing.once("response", resolve);
    outgoing.once("error", reject);
    outgoing.end();
  });
}

/** The port a URL connects to (its own, or its scheme's). */
function portOf(url: URL): number {
  return url.port === "" ? (url.protocol === "https:" ? 443 : 80) : Number(url.port);
}

function guardedLookup(url: URL, guard: GuardOptions): LookupFunction {
  const host = url.host;
  return (hostname, options, callback) => {
    guard
      .resolve(hostname)
      .then((addresses) => {
        const wanted = options.family === 4 || options.family === 6 ? addresses.filter((entry) => entry.family === options.family) : addresses;
        const first = wanted[0];
        if (!first) throw new Error(`${hostname} has no address`);
        // Every address is judged, not only the one connected to: the socket may try the others.
        for (const entry of wanted) {
          const never = guard.neverReached?.(entry.address, portOf(url));
          if (never) throw new RefusedError(`${host} is at ${entry.address}: ${never}`);
        }
        for (const entry of guard.allowPrivateNetwork ? [] : wanted) {
          const reason = guard.refusalReason(entry.address);
          if (reason) throw refusal(host, entry.address, reason);
        }
        if (options.all) callback(null, [...wanted]);
        else callback(null, first.address, first.family);
      })
      .catch((error: NodeJS.ErrnoException) => callback(error, "", 0));
  };
}

function refusal(host: string, address: string, reason: string): RefusedError {
  return new RefusedError(`${host} is at ${address}, ${reason}; web_fetch only reaches public addresses (tools.web_fetch.allowPrivateNetwork allows others)`);
}

/** The body decoded from its content-encoding; an unknown encoding is passed through. */
export function decodedBody(response: IncomingMessage): Readable {
  const encoding = String(response.headers["content-encoding"] ?? "").trim().toLowerCase();
  const decoder = encoding === "gzip" || encoding === "x-gzip" ? createGunzip() : encoding === "deflate" ? createInflate() : encoding === "br" ? createBrotliDecompress() : undefined;
  if (!decoder) return response;
  response.on("error", (error) => decoder.destroy(error));
  return response.pipe(decoder);
}

/** Reads up to `maxBytes`, then stops (and closes the connection). */
export async function readLimited(body: Readable, maxBytes: number): Promise<{ bytes: Buffer; truncated: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    const room = maxBytes - size;
    if (chunk.length > room) {
      chunks.push(chunk.subarray(0, room));
      body.destroy();
      return { bytes: Buffer.concat(chunks), truncated: true };
    }
    chunks.push(chunk);
    size += chunk.length;
  }
  return { bytes: Buffer.concat(chunks), truncated: false };
}
