import { unreachableWhy } from "./unreachable-words.js";
import type { GatewayLink } from "./gateway-link.js";
import type { TokenKeeper } from "./token.js";
import type { MessageRequest, SessionResponse, SessionsResponse, StatusResponse } from "./wire-types.js";

/** A request the gateway refused, with its own words (`{ error: { message } }`). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** The error's `code` (`not_kept`, `journal_full`, …), when the gateway gave one. */
    readonly code?: string,
    /** The gateway's limit on a request's body, in bytes, where it refused one as larger (413 `request_too_large`). */
    readonly limitBytes?: number,
  ) {
    super(message);
  }
}

/**
 * The gateway could not be reached (a network error), or it is stopping (a 503 `gateway_stopping`), or
 * it is known to be away: the page's banner says so, the request is not an error to show.
 * `mayHaveArrived`: the request was sent and its answer lost, so the gateway may have taken it.
 */
export class GatewayAway extends Error {
  constructor(
    message: string,
    readonly mayHaveArrived: boolean,
  ) {
    super(message);
  }
}

export interface ApiClient {
  status(): Promise<StatusResponse>;
  sessions(): Promise<SessionsResponse>;
  session(session: string): Promise<SessionResponse>;
  /** `duplicate`: the gateway had taken a message of this `id` already (another tab sent it): this one is not run. */
  send(session: string, message: MessageRequest): Promise<{ duplicate: boolean }>;
  cancel(session: string): Promise<boolean>;
  /** A fetch with the token; a 401 asks for the token (again, while it is refused) and tries once more. */
  authorizedFetch(path: string, init?: RequestInit): Promise<Response>;
}

/** The gateway's words of a 401 whose token is the config's new one, not yet in use (auth.ts TOKEN_PENDING_RESTART); else undefined. */
async function pendingRestartWords(response: Response): Promise<string | undefined> {
  const body = (await response.clone().json().catch(() => undefined)) as { error?: { code?: unknown; message?: unknown } } | undefined;
  return body?.error?.code === "token_pending_restart" && typeof body.error.message === "string" ? `The gateway refused that token: ${body.error.message}` : undefined;
}

async function refusal(response: Response): Promise<ApiError> {
  const body = (await response.json().catch(() => undefined)) as { error?: { message?: unknown; code?: unknown; limit_bytes?: unknown } | string } | undefined;
  const error = body?.error;
  if (typeof error === "string") return new ApiError(response.status, error);
  const code = typeof error?.code === "string" ? error.code : undefined;
  const limit = typeof error?.limit_bytes === "number" ? error.limit_bytes : undefined;
  if (error && typeof error.message === "string") return new ApiError(response.status, error.message, code, limit);
  return new ApiError(response.status, `the gateway answered ${response.status} ${response.statusText}`, code);
}

/** The page's only way to the gateway: every request carries `Authorization: Bearer` once a token is known. */
export function createApiClient(tokens: TokenKeeper, link: GatewayLink): ApiClient {
  const withToken = (init: RequestInit | undefined, token: string | undefined): RequestInit => {
    const headers = new Headers(init?.headers);
    if (token) headers.set("authorization", `Bearer ${token}`);
    return { ...init, headers };
  };

  /**
   * Every request goes through here: while the gateway is known to be away none is made (the link asks
   * `/health` meanwhile); one that cannot reach it, or that it refuses as stopping, tells the link.
   */
  const reach = async (path: string, init: RequestInit): Promise<Response> => {
    const state = link.state();
    if (state.kind !== "up") throw new GatewayAway(state.kind === "stopping" ? "the gateway is stopping" : `the gateway is not reachable: ${state.reason}`, false);
    let response: Response;
    try {
      response = await fetch(path, init);
    } catch (error) {
      if (init.signal?.aborted) throw error;
      const reason = unreachableWhy(error);
      link.lost(reason);
      throw new GatewayAway(`the gateway is not reachable: ${reason}`, true);
    }
    if (response.status === 503) {
      const body = (await response.clone().json().catch(() => undefined)) as { error?: { code?: unknown } } | undefined;
      if (body?.error?.code === "gateway_stopping") {
        link.stopping(undefined);
        throw new GatewayAway("the gateway is stopping", false);
      }
    }
    return response;
  };

  const authorizedFetch = async (path: string, init?: RequestInit): Promise<Response> => {
    let response = await reach(path, withToken(init, tokens.current()));
    // A wrong token is asked for again; the request waits for the person, not for a timer.
    while (response.status === 401) {
      tokens.forget(await pendingRestartWords(response));
      response = await reach(path, withToken(init, await tokens.ask()));
    }
    return response;
  };

  const json = async <T>(path: string, init?: RequestInit): Promise<T> => {
    const response = await authorizedFetch(path, init);
    if (!response.ok) throw await refusal(response);
    return (await response.json()) as T;
  };

  const post = (body: unknown): RequestInit => ({
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const sessionPath = (session: string): string => `/api/sessions/${encodeURIComponent(session)}`;

  return {
    status: () => json<StatusResponse>("/api/status"),
    sessions: () => json<SessionsResponse>("/api/sessions"),
    session: (session) => json<SessionResponse>(sessionPath(session)),
    send: async (session, message) => {
      const answer = await json<{ accepted: boolean; duplicate?: boolean }>(`${sessionPath(session)}/messages`, post(message));
      return { duplicate: answer.duplicate === true };
    },
    cancel: async (session) => (await json<{ cancelled: boolean }>(`${sessionPath(session)}/cancel`, post({}))).cancelled,
    authorizedFetch,
  };
}
