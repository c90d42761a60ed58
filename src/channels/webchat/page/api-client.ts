import type { TokenKeeper } from "./token.js";
import type { MessageRequest, SessionResponse, SessionsResponse, StatusResponse } from "./wire-types.js";

/** A request the gateway refused, with its own words (`{ error: { message } }`). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface ApiClient {
  status(): Promise<StatusResponse>;
  sessions(): Promise<SessionsResponse>;
  session(session: string): Promise<SessionResponse>;
  send(session: string, message: MessageRequest): Promise<void>;
  cancel(session: string): Promise<boolean>;
  /** A fetch with the token; a 401 asks for the token (again, while it is refused) and tries once more. */
  authorizedFetch(path: string, init?: RequestInit): Promise<Response>;
}

async function errorMessage(response: Response): Promise<string> {
  const body = (await response.json().catch(() => undefined)) as { error?: { message?: unknown } | string } | undefined;
  const error = body?.error;
  if (typeof error === "string") return error;
  if (error && typeof error.message === "string") return error.message;
  return `the gateway answered ${response.status} ${response.statusText}`;
}

/** The page's only way to the gateway: every request carries `Authorization: Bearer` once a token is known. */
export function createApiClient(tokens: TokenKeeper): ApiClient {
  const withToken = (init: RequestInit | undefined, token: string | undefined): RequestInit => {
    const headers = new Headers(init?.headers);
    if (token) headers.set("authorization", `Bearer ${token}`);
    return { ...init, headers };
  };

  const authorizedFetch = async (path: string, init?: RequestInit): Promise<Response> => {
    let response = await fetch(path, withToken(init, tokens.current()));
    // A wrong token is asked for again; the request waits for the person, not for a timer.
    while (response.status === 401) {
      tokens.forget();
      response = await fetch(path, withToken(init, await tokens.ask()));
    }
    return response;
  };

  const json = async <T>(path: string, init?: RequestInit): Promise<T> => {
    const response = await authorizedFetch(path, init);
    if (!response.ok) throw new ApiError(response.status, await errorMessage(response));
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
      await json<{ accepted: boolean }>(`${sessionPath(session)}/messages`, post(message));
    },
    cancel: async (session) => (await json<{ cancelled: boolean }>(`${sessionPath(session)}/cancel`, post({}))).cancelled,
    authorizedFetch,
  };
}
