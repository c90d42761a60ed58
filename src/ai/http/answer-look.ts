import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";

/** What one GET found: an answer's status line came (`answered`, any status), nothing came in time (`silent`), nothing listens (`refused`), or something else went wrong (`failed`). */
export type AnswerLook = { state: "answered"; status: number } | { state: "silent" | "refused" | "failed" };

/**
 * One GET of `url` on a connection of its own (no pooled one, which a server may have dropped), over as
 * soon as the status line comes — any status: a 404 for a path the server lacks, a 401 for a missing key,
 * a 503 while it loads the model all say its HTTP side answers. `silent`: it took the connection and said
 * nothing within `timeoutMs`. Never rejects.
 */
export function answerLook(url: string, options: { timeoutMs: number; headers?: Record<string, string> | undefined }): Promise<AnswerLook> {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return Promise.resolve({ state: "failed" });
  }
  const send = target.protocol === "https:" ? httpsRequest : target.protocol === "http:" ? httpRequest : undefined;
  if (!send) return Promise.resolve({ state: "failed" });
  return new Promise((resolve) => {
    let over = false;
    const done = (look: AnswerLook): void => {
      if (over) return;
      over = true;
      clearTimeout(timer);
      sent.destroy();
      resolve(look);
    };
    let sent: ReturnType<typeof send>;
    try {
      sent = send(target, { method: "GET", agent: false, headers: { accept: "application/json", ...options.headers } });
    } catch {
      // A header Node refuses at once (a key holding a line break): nothing was asked.
      resolve({ state: "failed" });
      return;
    }
    const timer = setTimeout(() => done({ state: "silent" }), options.timeoutMs);
    sent.once("response", (response) => {
      response.resume();
      done({ state: "answered", status: response.statusCode ?? 0 });
    });
    // Every error is heard (one after the end, from the destroy, is not an unhandled one).
    sent.on("error", (error: NodeJS.ErrnoException) => done({ state: error.code === "ECONNREFUSED" ? "refused" : "failed" }));
    sent.end();
  });
}
