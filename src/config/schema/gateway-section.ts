import * as z from "zod";
import { browserOrigin, originProblem } from "../browser-origin.js";

export const DEFAULT_GATEWAY_PORT = 18790;
export const DEFAULT_GATEWAY_BIND = "127.0.0.1";

/** `gateway`: where `hearth gateway` listens, who may call it, and how much a request may carry. */
export const gatewaySectionSchema = z.strictObject({
  /** TCP port (default 18790). */
  port: z.int().min(1).max(65_535).default(DEFAULT_GATEWAY_PORT),
  /** Address to listen on (default 127.0.0.1). Anything but loopback requires auth.token. */
  bind: z.string().min(1).default(DEFAULT_GATEWAY_BIND),
  /**
   * Host names it answers to besides loopback's (127.0.0.1, localhost, [::1]) and, off loopback, IP
   * addresses, such as "studio.local" (default: none). Requests naming another host are refused: a
   * web page could point its own name at this machine (DNS rebinding).
   */
  allowedHosts: z
    .array(z.string().regex(/^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*$/, { message: 'must be a host name such as "studio.local" (no scheme, port or path)' }))
    .default([]),
  auth: z
    .strictObject({
      /** Clients send `Authorization: Bearer <token>` on every endpoint but /health. At least 16 characters. */
      token: z.string().min(16, { message: "must be at least 16 characters; make one with: openssl rand -hex 24" }).optional(),
    })
    .prefault({}),
  cors: z
    .strictObject({
      /**
       * Browser origins allowed to call the gateway, as a browser sends them: "http://localhost:5173",
       * an editor's webview "app://obsidian.md" (default: none). Another spelling of one
       * ("http://LocalHost:5173") is read as the browser's, with a warning. Never "null" (see browser-origin.ts).
       */
      origins: z
        .array(
          z
            .string()
            .superRefine((value, context) => {
              const problem = originProblem(value);
              if (problem !== undefined) context.addIssue({ code: "custom", message: problem });
            })
            .overwrite(browserOrigin),
        )
        .default([]),
    })
    .prefault({}),
  limits: z
    .strictObject({
      /** Largest request body in bytes (default 8 MiB); larger ones are refused with 413. */
      maxBodyBytes: z.int().min(1024).max(256 * 1024 * 1024).default(8 * 1024 * 1024),
      /** Seconds a client has to send its request headers (default 30). */
      headersTimeoutSeconds: z.int().min(1).max(600).default(30),
      /** Seconds a client has to send its whole request (default 120; streamed answers are not bounded by this). */
      requestTimeoutSeconds: z.int().min(1).max(3_600).default(120),
      /** Seconds between the keep-alives of the live event stream (/api/events; default 15); the web chat counts the gateway lost after twice that without one. */
      keepAliveSeconds: z.int().min(1).max(300).default(15),
      /** Most live event streams (/api/events: one per open web chat page) served at once (default 500); past it a new one is refused with 503. */
      maxEventSubscribers: z.int().min(1).max(100_000).default(500),
    })
    .prefault({}),
});

export type GatewayConfig = z.output<typeof gatewaySectionSchema>;
