import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";

/** OpenAI's error shape, which every OpenAI client knows how to read: `{ error: { message, type, code } }`. */
export interface ErrorBody {
  error: { message: string; type: string; code: string | null };
}

export type ErrorType = "invalid_request_error" | "authentication_error" | "not_found_error" | "server_error";

export function errorBody(message: string, type: ErrorType, code: string | null): ErrorBody {
  return { error: { message, type, code } };
}

export function errorResponse(c: Context, status: ContentfulStatusCode, body: ErrorBody): Response {
  return c.json(body, status);
}

export const UNAUTHORIZED = errorBody("this gateway needs its token: Authorization: Bearer …", "authentication_error", "unauthorized");
