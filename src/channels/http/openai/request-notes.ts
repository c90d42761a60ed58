import { ignoredNotice } from "./request-fields.js";

/** What of a parsed request (Chat or Responses) the reply speaks of. */
export interface NotedRequest {
  unknownFields: readonly string[];
  /** Chat's participant names (`messages[0].name`); Responses has none. */
  namesNotSent?: readonly string[] | undefined;
  user: string | undefined;
}

/**
 * What the reply says of the request itself, in either mode: the fields it had that hearth does not
 * know, and the participant names it knows and does not send (only each message's role and content go).
 */
export function requestNotes(request: NotedRequest): string[] {
  const names = request.namesNotSent ?? [];
  return [
    ignoredNotice(request.unknownFields),
    names.length > 0 ? `not sent on: ${shown(names)} — a participant's name, which hearth does not send to the model (each message goes as its role and content)` : undefined,
  ].filter((note) => note !== undefined);
}

/**
 * Proxy mode's notes: the request's own, and `user`, which keeps the client on one replica and goes to
 * no model server (at OpenAI it only tracks abuse; a local gateway does not pass a user's id on to a hosted API).
 */
export function proxyNotes(request: NotedRequest): string[] {
  const user = request.user === undefined || request.user === "" ? undefined : "not sent on: user — hearth uses it to keep this client on one replica of the model's server (as x-hearth-session does) and sends it to no model server";
  return [...requestNotes(request), ...(user === undefined ? [] : [user])];
}

/** Agent mode's note for a reply limit of -1 ("no limit"): the agent's model replies up to its own. */
export function noLimitNote(field: string | undefined): string | undefined {
  return field === undefined ? undefined : `${field} -1 ("no limit") asked: the agent's model replies up to its own limit (its maxTokens in the config, within the room the turn keeps for the reply in its context window)`;
}

function shown(fields: readonly string[]): string {
  return fields.slice(0, 8).join(", ") + (fields.length > 8 ? ` and ${fields.length - 8} more` : "");
}
