import { createHash } from "node:crypto";
import { checkSessionKey, isSessionKey } from "../../../sessions/session-store.js";
import { RequestProblem } from "./request-problem.js";

/** Where the session of a `user` that is no session key goes: apart from every `http:<user>`, so no key of one can be another's. */
export const MAPPED_USER_PREFIX = "http-user:";

/**
 * Where a turn of agent mode goes: the `x-hearth-session` header (a session key, or a 400 naming the
 * header), else the session of the request's `user` (see userSession), else `http`.
 */
export function agentSession(header: string | undefined, user: string | undefined): string {
  if (header === undefined || header.trim() === "") return user ? userSession(user) : "http";
  try {
    return checkSessionKey(header.trim());
  } catch (error) {
    throw new RequestProblem({ status: 400, message: `x-hearth-session: ${error instanceof Error ? error.message : String(error)}`, code: "invalid_session", param: "x-hearth-session" });
  }
}

/**
 * OpenAI's `user` is free text (an e-mail, a name, a UUID): any of it names one session, the same each
 * time. `http:<user>` when that is a session key (what every such user always had); otherwise
 * `http-user:<readable part>.<16 hex of the user's SHA-256>` — a prefix no `http:<user>` has, and a
 * hash that tells apart users whose readable parts agree ("bob smith", "bob/smith").
 */
export function userSession(user: string): string {
  const plain = `http:${user}`;
  if (isSessionKey(plain)) return plain;
  const hash = createHash("sha256").update(user).digest("hex").slice(0, 16);
  const readable = user
    .replace(/[^A-Za-z0-9_@+-]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 40);
  return `${MAPPED_USER_PREFIX}${readable === "" ? "" : `${readable}.`}${hash}`;
}
