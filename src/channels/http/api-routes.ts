import { Hono, type Context } from "hono";
import * as z from "zod";
import { JournalFullFault, type GatewayPort } from "../../gateway/port.js";
import { missingKey } from "../../models/missing-key.js";
import { checkSessionKey } from "../../sessions/session-store.js";
import { isHearthError, type HearthError } from "../../shared/errors.js";
import { isStateDirRefusal } from "../../shared/fs-fault.js";
import { errorBody } from "./errors.js";
import type { HttpLogger } from "./logger.js";
import { takenMessages } from "./taken-messages.js";
import type { TurnControls } from "./turn-controls.js";

const messageBody = z.strictObject({
  text: z.string(),
  agent: z.string().min(1).optional(),
  model: z.string().min(1).optional(),
  retry: z.boolean().optional(),
  // With retry: which message to send again (a user item's `id` in GET /api/sessions/:session); the last one when absent.
  retryOf: z.string().min(1).max(200).optional(),
  // The page's resend of a message whose first try's answer was lost (the gateway went away): see InboundMessage.repeated.
  repeated: z.boolean().optional(),
  // The page's id for a message it kept while the gateway was away: taken once, however many tabs send it.
  id: z.string().min(1).max(200).optional(),
});

/** A messaging channel beside the gateway, as /api/status shows it (the composition root reads it; null: never ran). */
export interface ChannelView {
  id: string;
  enabled: boolean;
  linked: boolean;
  state: string | null;
  since: string | null;
  reason: string | null;
  /** While the channel waits for its account to be linked: the latest QR code's text (the page draws it); else null. */
  qr: string | null;
}

/** The web chat's API (docs/gateway.md): status, sessions, messages (answered on /api/events), cancel. */
export function apiRoutes(options: { port: GatewayPort; version: string; controls: TurnControls; logger: HttpLogger; channelStatus?: (() => readonly ChannelView[]) | undefined; command?: string | undefined }): Hono {
  const { port, controls, logger } = options;
  const api = new Hono();
  const taken = takenMessages();

  api.get("/status", (c) => {
    const catalogue = port.catalogue();
    return c.json({
      version: options.version,
      // How the user runs hearth (`./bin/hearth`): the page's hints name commands so, as the terminal's do.
      command: options.command ?? "hearth",
      setup: port.setupProblems(),
      agents: catalogue.agents.map(({ id, name, primary }) => ({ id, name, primary })),
      // `configured`: in the config (not only the built-in catalog); `missingKey`: why it cannot answer, with the fix (null: it can be called);
      // `notChoosable`: why `/model` — the picker — cannot choose it, with the fix (null: it can).
      models: catalogue.models.map(({ ref, alias, local, spec, notChoosable }) => ({ ref, alias, local, configured: spec.source === "config", missingKey: missingKey(spec) ?? null, notChoosable: notChoosable ?? null })),
      providers: port.health(),
      channels: options.channelStatus?.() ?? [],
    });
  });

  // Sessions whose files cannot be read are named in `problems` (with the fix), not left out in silence.
  api.get("/sessions", async (c) => c.json(await port.sessions().list()));

  api.get("/sessions/:session", async (c) => {
    const session = sessionKey(c);
    if (typeof session !== "string") return session;
    const view = port.sessions();
    const { items, live, waiting } = await view.conversation(session);
    // Only an empty transcript needs the list to tell a new session from an unknown one (one whose first message waits is not unknown).
    if (items.length === 0 && waiting.length === 0 && !(await view.list()).sessions.some((listing) => listing.session === session)) {
      return c.json(errorBody({ message: `no session "${session}" (GET /api/sessions lists them; a message to it starts one)`, type: "not_found_error", code: "session_not_found" }), 404);
    }
    const { reasoning, model } = await view.settings(session);
    // `live`: the turn under way so far, which the live events numbered after its `seq` go on from; `waiting`: the messages after it, not yet begun.
    return c.json({ session, items, ...(live ? { live } : {}), waiting, context: await view.contextUse(session), settings: { reasoning, model: model ?? null } });
  });

  api.post("/sessions/:session/messages", async (c) => {
    const session = sessionKey(c);
    if (typeof session !== "string") return session;
    const parsed = messageBody.safeParse(await c.req.json().catch(() => undefined));
    if (!parsed.success) {
      return c.json(errorBody({ message: 'the body must be JSON { "text": string, "agent"?: string, "model"?: string, "retry"?: boolean, "retryOf"?: string, "repeated"?: boolean, "id"?: string }', type: "invalid_request_error", code: "invalid_body" }), 400);
    }
    const { text, agent, model, retry, retryOf, repeated, id } = parsed.data;
    if (text.trim() === "" && !retry && retryOf === undefined) return c.json(errorBody({ message: '"text" is empty: say something, or send "retry": true', type: "invalid_request_error", code: "empty_message" }), 400);
    const key = id === undefined ? undefined : `${session}\n${id}`;
    // Sent already (by another tab): its turn is the one that runs; this one is told so and not run again.
    if (key !== undefined && !taken.take(key)) return c.json({ accepted: true, duplicate: true }, 202);
    // The 202 promises the message is kept: stopped before its turn (the gateway stopping), it is saved unanswered, not dropped.
    const control = controls.start(session);
    // Accepted once the message is kept (on disk when it waits behind another turn), not when the turn
    // ends; the turn's events reach every /api/events listener through the port.
    let accept: () => void = () => undefined;
    const accepted = new Promise<void>((resolve) => (accept = resolve));
    let kept = false;
    let refused: HearthError | undefined;
    let notKept: unknown;
    const onAccepted = (): void => {
      kept = true;
      accept();
    };
    port
      .handle({ channel: "webchat", session, text, agent, model, retry: retry === true || retryOf !== undefined, retryOf, repeated, canRestart: true, showsLiveText: true, keepWhenStopped: true, signal: control.signal, onAccepted })
      .catch((error: unknown) => {
        // A message the gateway will not take (an unknown model or agent) is refused before it is kept: the sender is told why, with the choices.
        if (isHearthError(error) && error.kind === "usage") refused = error;
        else {
          // One the state dir could not keep (its journal cannot be written) gets no 202: the sender hears why.
          if (!kept) notKept = error;
          // The state dir refusing it (sent again by the page, later and later): its words, no stack; any other fault with its stack.
          if (!kept && isStateDirRefusal(error)) logger.warn({ session, problem: error instanceof Error ? error.message : String(error) }, "a web chat message was not kept: the state dir refused it");
          else logger.error({ err: error, session }, "a web chat message failed");
        }
      })
      .finally(() => {
        accept();
        control.done();
      });
    await accepted;
    if (key !== undefined && (refused || notKept !== undefined)) taken.forget(key);
    if (refused) return c.json(errorBody({ message: [refused.message, ...refused.details].join("; "), type: "invalid_request_error", code: "bad_request" }), 400);
    // The messages waiting already hold as much as the gateway keeps waiting: refused now, with what to do (507: no room to keep it).
    if (notKept instanceof JournalFullFault) return c.json(errorBody({ message: [notKept.message, ...notKept.details].join(" — "), type: "server_error", code: "journal_full" }), 507);
    // The state dir refusing the write (full, read-only, not writable): waiting, or the user's fix to the disk, mends it — the page sends it again.
    if (notKept !== undefined && isStateDirRefusal(notKept)) {
      const message = isHearthError(notKept) ? [notKept.message, ...notKept.details].join(" — ") : "the state dir could not keep the message; the gateway's log has the details";
      return c.json(errorBody({ message: `not accepted: ${message}`, type: "server_error", code: "not_kept" }), 500);
    }
    // Any other fault: waiting will not mend it, so the page keeps the message for the user to send again (not by itself).
    if (notKept !== undefined) {
      const message = isHearthError(notKept) ? [notKept.message, ...notKept.details].join(" — ") : "a fault in hearth kept it from keeping the message (its log says what: hearth logs)";
      return c.json(errorBody({ message: `not accepted: ${message}`, type: "server_error", code: "internal_error" }), 500);
    }
    return c.json({ accepted: true }, 202);
  });

  api.post("/sessions/:session/cancel", (c) => {
    const session = sessionKey(c);
    if (typeof session !== "string") return session;
    return c.json({ cancelled: controls.cancel(session) });
  });

  return api;
}

/** The `:session` parameter, checked; a 400 response when it is not a valid key. */
function sessionKey(c: Context): string | Response {
  const raw = c.req.param("session") ?? "";
  try {
    return checkSessionKey(raw);
  } catch (error) {
    if (!isHearthError(error)) throw error;
    return c.json(errorBody({ message: error.message, type: "invalid_request_error", code: "invalid_session" }), 400);
  }
}
