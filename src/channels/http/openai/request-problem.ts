import type { AttemptSummary } from "./answer-events.js";
import { attemptTokens } from "./reply-meta.js";

/** A request hearth cannot serve as sent: the status, and words that say what is wrong and the fix. */
export class RequestProblem extends Error {
  readonly status: number;
  readonly code: string;
  readonly param: string | undefined;

  constructor(problem: { status: number; message: string; code: string; param?: string | undefined }) {
    super(problem.message);
    this.name = "RequestProblem";
    this.status = problem.status;
    this.code = problem.code;
    this.param = problem.param;
  }
}

export const badRequest = (param: string, message: string): RequestProblem => new RequestProblem({ status: 400, message: `${param}: ${message}`, code: "invalid_value", param });

/**
 * OpenAI's error shape; `attempts` (hearth's) when models were tried, and `usage` (in the API's own
 * usage shape) when models spent tokens on a request that then failed. Both ride inside `error`: the
 * official SDKs keep that object whole as the error's `error`, and drop anything beside it.
 */
export function errorBody(error: { message: string; type: string; code: string; param?: string | undefined; attempts?: readonly AttemptSummary[] | undefined; usage?: object | undefined }): Record<string, unknown> {
  return {
    error: {
      message: error.message,
      type: error.type,
      param: error.param ?? null,
      code: error.code,
      ...(error.usage ? { usage: error.usage } : {}),
      ...(error.attempts && error.attempts.length > 0 ? { attempts: error.attempts.map(({ usage, ...attempt }) => (usage ? { ...attempt, tokens: attemptTokens(usage) } : attempt)) } : {}),
    },
  };
}

/** A refused request in OpenAI's shape: a 404 (a model or agent that does not exist) is a `not_found_error`, as every 404 of the gateway. */
export function problemBody(problem: RequestProblem): Record<string, unknown> {
  return errorBody({ message: problem.message, type: problem.status === 404 ? "not_found_error" : "invalid_request_error", code: problem.code, param: problem.param });
}

export type Json = Record<string, unknown>;

export function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A field that may be absent; `where` names it in the error (`messages[2].tool_call_id`). */
export function optionalString(value: unknown, where: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw badRequest(where, `expected a string, got ${describe(value)}`);
  return value;
}

export function optionalNumber(value: unknown, where: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number" || !Number.isFinite(value)) throw badRequest(where, `expected a number, got ${describe(value)}`);
  return value;
}

export function optionalBoolean(value: unknown, where: string): boolean | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "boolean") throw badRequest(where, `expected true or false, got ${describe(value)}`);
  return value;
}

export function describe(value: unknown): string {
  if (value === undefined) return "nothing (the field is missing)";
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string") return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  return typeof value === "object" ? "an object" : `${typeof value} ${String(value)}`;
}
