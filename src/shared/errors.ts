/**
 * Errors a user can act on. `kind` decides the exit code: "usage" and "config" exit 2, "runtime" exits 1.
 * The message is complete and printed as is: no stack trace ever reaches the user for these.
 */
export type HearthErrorKind = "usage" | "config" | "runtime";

export class HearthError extends Error {
  readonly kind: HearthErrorKind;
  /** Extra lines printed under the message (one problem each). */
  readonly details: readonly string[];

  constructor(kind: HearthErrorKind, message: string, details: readonly string[] = []) {
    super(message);
    this.name = "HearthError";
    this.kind = kind;
    this.details = details;
  }
}

export function exitCodeFor(error: unknown): number {
  if (error instanceof HearthError) return error.kind === "runtime" ? 1 : 2;
  return 1;
}

export function isHearthError(error: unknown): error is HearthError {
  return error instanceof HearthError;
}
