import type { Duplex } from "node:stream";
import { errorBody } from "./errors.js";

/**
 * What Node's HTTP parser refused (a Content-Length that is not a number or does not match, one beside
 * Transfer-Encoding, a bare CR or a control character in a header, headers too large, a request that
 * took too long to arrive) is answered in OpenAI's error shape, as every other error of the gateway,
 * instead of Node's bare status line — then the connection closes (nothing after a bad request on it
 * can be read). A connection the client reset, or one already answering, is just closed.
 */
export function answerMalformed(error: NodeJS.ErrnoException & { reason?: string }, socket: Duplex): void {
  if (error.code === "ECONNRESET" || !socket.writable || (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent) {
    socket.destroy();
    return;
  }
  const [status, words] = malformed(error);
  const body = JSON.stringify(errorBody({ message: words, type: "invalid_request_error", code: status === 408 ? "request_timeout" : "bad_request" }));
  socket.end(`HTTP/1.1 ${status} ${STATUS_TEXT[status]}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
}

const STATUS_TEXT: Record<400 | 408 | 431, string> = { 400: "Bad Request", 408: "Request Timeout", 431: "Request Header Fields Too Large" };

function malformed(error: NodeJS.ErrnoException & { reason?: string }): [400 | 408 | 431, string] {
  if (error.code === "ERR_HTTP_REQUEST_TIMEOUT") return [408, "the request did not arrive in time: send it again"];
  if (error.code === "HPE_HEADER_OVERFLOW") return [431, "the request's headers are too large for the gateway"];
  // llhttp's own words ("Invalid header value char", "Content-Length can't be present with Transfer-Encoding"…).
  const reason = (error.reason ?? error.message.replace(/^Parse Error:\s*/, "")).replace(/[\r\n]+/g, " ").trim();
  return [400, `the request is not valid HTTP/1.1${reason ? `: ${reason}` : ""}${error.code ? ` (${error.code})` : ""}`];
}
