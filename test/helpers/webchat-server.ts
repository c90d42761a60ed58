// The web chat's test server: the /api of docs/gateway.md implemented over a scripted backend
// (test/helpers/scripted-gateway.ts), mounted with the real webChatRoutes on 127.0.0.1. The browser
// test builds its server only through startWebChatTestServer, so it can later point at `hearth gateway`.
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { serve } from "@hono/node-server";
import { Hono, type Context } from "hono";
import { streamSSE } from "hono/streaming";
import { bearerAuth } from "../../src/channels/http/auth.js";
import { webChatRoutes } from "../../src/channels/webchat/routes.js";
import type { GatewayEvent } from "../../src/gateway/port.js";
import { repoRoot } from "./run-cli.js";
import { createScriptedGateway, type ScriptedGateway, type WebChatBackend } from "./scripted-gateway.js";

const SESSION_KEY = /^[A-Za-z0-9._:@+-]{1,200}$/;

function badRequest(c: Context, message: string): Response {
  return c.json({ error: { message, type: "invalid_request_error", code: "bad_request" } }, 400);
}

/** The /api routes over any backend with the GatewayPort methods the web chat needs. */
export function testApiRoutes(options: { backend: WebChatBackend; token?: string | undefined; pendingToken?: string | undefined }): Hono {
  const { backend, token } = options;
  const app = new Hono();
  const running = new Map<string, AbortController>();

  if (token !== undefined) {
    // The gateway's own check; `pendingToken`: the config's token since the start, as a reload leaves it (gateway.auth.token changed, the restart not made).
    const pending = options.pendingToken === undefined ? undefined : { configured: () => ({ token: options.pendingToken, corsOrigins: [], allowedHosts: [], maxBodyBytes: 0, maxEventSubscribers: 0 }), restartHow: "stop the gateway and start it again" };
    app.use("/api/*", bearerAuth(token, pending));
  }

  app.get("/api/status", (c) => {
    const catalogue = backend.catalogue();
    return c.json({
      version: "0.1.0",
      setup: backend.setupProblems(),
      agents: catalogue.agents,
      models: catalogue.models.map(({ ref, alias, local }) => ({ ref, alias, local })),
      providers: backend.health(),
    });
  });

  app.get("/api/sessions", async (c) => c.json(await backend.sessions().list()));

  app.get("/api/sessions/:session", async (c) => {
    const session = c.req.param("session");
    if (!SESSION_KEY.test(session)) return badRequest(c, `'${session}' is not a session key (letters, digits, . _ - : @ +)`);
    const items = await backend.sessions().transcript(session).catch(() => undefined);
    if (!items) return c.json({ error: { message: `no session '${session}'`, type: "invalid_request_error", code: "not_found" } }, 404);
    const { reasoning, model } = await backend.sessions().settings(session);
    return c.json({ session, items, context: await backend.sessions().contextUse(session), settings: { reasoning, model: model ?? null } });
  });

  app.post("/api/sessions/:session/messages", async (c) => {
    const session = c.req.param("session");
    if (!SESSION_KEY.test(session)) return badRequest(c, `'${session}' is not a session key (letters, digits, . _ - : @ +)`);
    const body = (await c.req.json().catch(() => undefined)) as { text?: unknown; agent?: unknown; model?: unknown; retry?: unknown } | undefined;
    if (!body || typeof body.text !== "string") return badRequest(c, "the body must be JSON with a string `text`");
    const controller = new AbortController();
    running.set(session, controller);
    void backend
      .handle({
        channel: "webchat",
        session,
        text: body.text,
        agent: typeof body.agent === "string" ? body.agent : undefined,
        model: typeof body.model === "string" ? body.model : undefined,
        retry: body.retry === true,
        canRestart: true,
        signal: controller.signal,
      })
      .finally(() => {
        if (running.get(session) === controller) running.delete(session);
      });
    return c.json({ accepted: true }, 202);
  });

  app.post("/api/sessions/:session/cancel", (c) => {
    const controller = running.get(c.req.param("session"));
    controller?.abort();
    return c.json({ cancelled: controller !== undefined });
  });

  app.get("/api/events", (c) =>
    streamSSE(c, async (stream) => {
      const queue: GatewayEvent[] = [{ type: "setup", problems: backend.setupProblems() }];
      for (const health of backend.health()) queue.push({ type: "provider-health", health });
      let wake: (() => void) | undefined;
      const unsubscribe = backend.subscribe((event) => {
        queue.push(event);
        wake?.();
      });
      let open = true;
      stream.onAbort(() => {
        open = false;
        unsubscribe();
        wake?.();
      });
      const keepAlive = setInterval(() => void stream.write(": keep-alive\n\n"), 15_000);
      try {
        while (open) {
          const event = queue.shift();
          if (event) await stream.writeSSE({ event: event.type, data: JSON.stringify(event) });
          else await new Promise<void>((resolve) => (wake = resolve));
        }
      } finally {
        clearInterval(keepAlive);
        unsubscribe();
      }
    }),
  );

  return app;
}

export interface WebChatTestServer {
  url: string;
  gateway: ScriptedGateway;
  /** The Authorization header of every /api request, in order. */
  authorizations: (string | undefined)[];
  close(): Promise<void>;
}

/** The one place the browser test gets its server from: the scripted /api and the built page on 127.0.0.1. */
export async function startWebChatTestServer(options: { token?: string; pendingToken?: string; setupProblems?: readonly string[]; sessionProblems?: readonly string[] } = {}): Promise<WebChatTestServer> {
  const gateway = createScriptedGateway({ setupProblems: options.setupProblems ?? [], sessionProblems: options.sessionProblems ?? [] });
  const authorizations: (string | undefined)[] = [];
  const app = new Hono();
  app.use("/api/*", async (c, next) => {
    authorizations.push(c.req.header("authorization"));
    await next();
  });
  app.route("/", testApiRoutes({ backend: gateway, token: options.token, pendingToken: options.pendingToken }));
  app.route("/", webChatRoutes({ assetsDir: join(repoRoot, "dist/web") }));
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const started = serve({ fetch: app.fetch, hostname: "127.0.0.1", port: 0 }, () => resolve(started));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    gateway,
    authorizations,
    close: () =>
      new Promise((resolve, reject) => {
        if ("closeAllConnections" in server) server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
