/** OpenAI's error shape, which every OpenAI client knows how to read: `{ error: { message, type, code } }`. */
export interface ErrorBody {
  error: { message: string; type: string; code: string | null };
}

export type ErrorType = "invalid_request_error" | "authentication_error" | "permission_error" | "not_found_error" | "server_error";

export function errorBody(error: { message: string; type: ErrorType; code: string | null }): ErrorBody {
  return { error: { message: error.message, type: error.type, code: error.code } };
}

export const UNAUTHORIZED = errorBody({ message: "this gateway needs its token: Authorization: Bearer …", type: "authentication_error", code: "unauthorized" });

/** A bearer token that is not the gateway's (a stale one in a client's settings): told so, and nothing of the right one. */
export const WRONG_TOKEN = errorBody({ message: "the token sent (Authorization: Bearer …) is not this gateway's: send its gateway.auth.token (a client set up for LM Studio or OpenAI sends it as its API key)", type: "authentication_error", code: "unauthorized" });
