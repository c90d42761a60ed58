/** What the HTTP channel logs through (pino's Logger fits). */
export interface HttpLogger {
  info(fields: object, message?: string): void;
  warn(fields: object, message?: string): void;
  error(fields: object, message?: string): void;
}
