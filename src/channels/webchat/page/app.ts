import { commandWord, literalText, retryNumber } from "../../../agent/command-shape.js";
import { ApiError, createApiClient, GatewayAway } from "./api-client.js";
import { createContextMeter } from "./context-meter.js";
import { createConversationView } from "./conversation-view.js";
import { createComposer } from "./composer.js";
import { byId } from "./dom.js";
import { createGatewayLink } from "./gateway-link.js";
import { showLinkBanner } from "./link-banner.js";
import { connectLiveEvents } from "./live-events.js";
import { applyAgentEvent, applyTurnResult, newLiveTurn, type LiveTurn } from "./live-turn.js";
import { createMarkdown } from "./markdown.js";
import { createOutbox } from "./outbox.js";
import { createOutboxSending } from "./outbox-sending.js";
import { createMessageSender, RESEND } from "./message-sender.js";
import { createModelPicks } from "./model-picks.js";
import { showModelChoice } from "./pickers.js";
import { joinSnapshot, takeEvent, type TurnSnapshot } from "./turn-join.js";
import { createSessionsList } from "./sessions-list.js";
import { newSessionKey, sessionFromHash } from "./session-key.js";
import { createSetupBanner } from "./setup-banner.js";
import { createStatusFeed } from "./status-feed.js";
import { createStatusPanel } from "./status-panel.js";
import { createTokenKeeper } from "./token.js";
import type { GatewayEvent, MessageRequest, SessionListing, SessionResponse, StatusResponse, TurnMessage } from "./wire-types.js";

/** The web chat: wires the page's parts to the gateway's /api and live events. */
export async function startWebChat(): Promise<void> {
  const tokens = createTokenKeeper(window.localStorage);
  // Whether the gateway answers: while it does not, only its /health is asked (backing off) and one banner says so.
  const link = createGatewayLink();
  const api = createApiClient(tokens, link);
  const transcript = byId("transcript", HTMLDivElement);
  const input = byId("message-input", HTMLTextAreaElement);
  const form = byId("composer", HTMLFormElement);
  // A phone or a tablet: no hover, a finger for a pointer, an on-screen keyboard.
  const touchScreen = matchMedia("(pointer: coarse)").matches;
  const composer = createComposer({ input, form, storage: window.localStorage, touchScreen });
  const stopButton = byId("stop-button", HTMLButtonElement);
  const title = byId("session-title", HTMLHeadingElement);
  const pickers = { model: byId("model-picker", HTMLSelectElement), agent: byId("agent-picker", HTMLSelectElement), agentLabel: byId("agent-label", HTMLLabelElement) };
  const contextMeter = createContextMeter({ gauge: byId("context-gauge", HTMLMeterElement), label: byId("context-text", HTMLSpanElement), meter: byId("context-meter", HTMLDivElement) });
  const banner = createSetupBanner(byId("setup-banner", HTMLDivElement), byId("setup-problems", HTMLUListElement));
  const connection = byId("connection-state", HTMLParagraphElement);
  const statusPanel = createStatusPanel(byId("provider-list", HTMLDivElement));
  const sessionsList = createSessionsList(byId("session-list", HTMLUListElement));

  let current = sessionFromHash(location.hash) ?? "";
  let listings: SessionListing[] = [];
  let models: StatusResponse["models"] = [];
  // What is on screen is the latest the user asked for: every read carries a ticket, and an answer whose
  // ticket is no longer the latest (an earlier navigation, an older list) is dropped, never drawn.
  let opening = 0;
  let listing = 0;
  let contextRead = 0;
  /** Bumped for a session whenever its history changes under a read (a turn starts or ends, a command, another process). */
  const changes = new Map<string, number>();
  const changed = (session: string): void => void changes.set(session, (changes.get(session) ?? 0) + 1);
  /** Keys this page made with *New conversation*: nothing to read until a message is sent to them. */
  const fresh = new Set<string>();
  /** Resolves once the open conversation's history is on screen: a message typed meanwhile is shown after it. */
  let opened: Promise<void> = Promise.resolve();
  const liveTurns = new Map<string, LiveTurn>();
  /** The turns followed before the live events last connected: one the gateway says is still under way is the same one on screen. */
  let followedBefore = new Map<string, LiveTurn>();
  const busy = new Set<string>();
  /** Stop is offered while the open conversation's turn runs: changed with the turn's start and end, not a read later. */
  const showStop = (): void => void (stopButton.hidden = !busy.has(current));
  const echoes = new Map<string, (string | typeof RESEND)[]>();
  const toDraw = new Set<LiveTurn>();
  /**
   * Conversations whose saved history changed in a way the live events do not carry (another process wrote
   * to it, a message waits for another process's turn) and that are not yet drawn as read since: read again
   * as soon as nothing of this page's is only on screen (its messages sent and not yet begun), at the latest
   * at its next turn's end.
   */
  const stale = new Set<string>();

  /** How the notes name a model: its alias, else its ref (as the turn's fallback notice does). */
  const names = { aliasOf: (ref: string) => models.find((model) => model.ref === ref)?.alias };
  /**
   * A turn under way as the gateway told it so far (a conversation read, or the events' first words):
   * joined to what the page holds of it, the one further along kept, and the events after it go on from there.
   */
  const adoptTurn = (session: string, snapshot: TurnSnapshot & TurnMessage): LiveTurn => {
    const turn = joinSnapshot(liveTurns.get(session), snapshot, names);
    // Its message's id (what its Retry names) and, for a resend, the try it sends again.
    Object.assign(turn, { message: snapshot.message, retryOf: snapshot.retryOf });
    liveTurns.set(session, turn);
    busy.add(session);
    showStop();
    return turn;
  };

  // The model is the session's choice, kept by the gateway (a pick sends `/model`): a message names only its agent.
  const chosen = (): Pick<MessageRequest, "agent"> => (pickers.agent.value && !pickers.agentLabel.hidden ? { agent: pickers.agent.value } : {});
  // The gateway being away is the banner's to say (and the stale status panel's), never an error in the conversation.
  const reportError = (error: unknown): void => {
    if (!(error instanceof GatewayAway)) view.addError(error instanceof Error ? error.message : String(error));
  };

  const send = createMessageSender({ api, fresh, echoes, reportError });

  const outbox = createOutbox({
    storage: window.localStorage,
    container: byId("outbox", HTMLDivElement),
    onChange: () => {
      outbox.draw(current);
      outboxSending.tryWhenDue();
    },
    onRetry: () => outboxSending.flush(),
    // Its words back to be shortened; the messages typed after it in its conversation go now.
    onEdit: (text) => {
      composer.giveBack(text);
      outboxSending.flush();
    },
  });
  const outboxSending = createOutboxSending({ outbox, link, send, opened: () => opened, current: () => current, addUserMessage: (text) => view.addUserMessage(text), reportError });

  const view = createConversationView({
    container: transcript,
    toLatest: byId("to-latest", HTMLButtonElement),
    renderMarkdown: createMarkdown(),
    onRetry: (id) => {
      void picks.sent().then(() => send(current, { text: "", retry: true, retryOf: id, ...chosen() }, RESEND)).then((outcome) => {
        if (outcome.kind === "away") view.addError("Retry not sent: hearth is not reachable. Retry once it is back (the banner says when).");
        if (outcome.kind === "unkept") view.addError(`Retry not sent: ${outcome.why}`);
      });
    },
  });

  const drawSoon = (turn: LiveTurn): void => {
    if (toDraw.size === 0) {
      requestAnimationFrame(() => {
        for (const pending of toDraw) view.drawTurn(pending);
        toDraw.clear();
      });
    }
    toDraw.add(turn);
  };

  const showSessions = (): void => {
    sessionsList.show(listings, current, busy);
    outbox.draw(current);
    const listing = listings.find((entry) => entry.session === current);
    title.textContent = listing?.lastText.trim() ? listing.lastText.trim().slice(0, 80) : "New conversation";
    showStop();
  };
  const refreshSessions = async (): Promise<void> => {
    const ticket = ++listing;
    const answer = await api.sessions();
    if (ticket !== listing) return;
    listings = answer.sessions;
    showSessions();
    banner.sessions(answer.problems ?? []);
  };
  /**
   * After a turn, a command (here or in another tab), a config edit: the context meter, the reasoning
   * setting and the session's model choice, which the picker shows (a pick of its own on its way: once it is sent).
   */
  const refreshContext = async (): Promise<void> => {
    const session = current;
    const ticket = ++contextRead;
    const data = await api.session(session).catch(() => undefined);
    if (session !== current || ticket !== contextRead) return;
    contextMeter.show(data?.context);
    view.showReasoning(data?.settings?.reasoning ?? false);
    if (data && !picks.setsAside(session)) showModelChoice(pickers.model, data.settings?.model, models);
  };

  const picks = createModelPicks({
    send: (session, request) => api.send(session, request),
    echoes,
    failed: async (session, error) => {
      if (session !== current) return;
      if (!(error instanceof GatewayAway)) reportError(error);
      else if (!error.mayHaveArrived) view.addError("Model not changed: hearth is not reachable. Pick it again once it is back (the banner says when).");
      await refreshContext();
    },
    // Read after the session's last pick is sent, as the picker set aside a read meanwhile.
    reread: (session) => (session === current ? void refreshContext() : undefined),
  });

  /**
   * The session's saved history as it is now: read again while its history changed during the read (a
   * turn ended, another process wrote), so an answer never holds less than the events already said.
   * undefined: no such session yet (a new conversation is not read at all).
   */
  const readSession = async (session: string): Promise<SessionResponse | undefined> => {
    for (;;) {
      if (fresh.has(session) && !listings.some((entry) => entry.session === session)) return undefined;
      const before = changes.get(session);
      const data = await api.session(session).catch((error: unknown) => {
        if (error instanceof ApiError && error.status === 404) return undefined;
        throw error;
      });
      if (changes.get(session) === before) return data;
    }
  };

  const openSession = (session: string): Promise<void> => {
    const done = showSession(session);
    opened = done.catch(() => undefined);
    return done;
  };
  const showSession = async (session: string): Promise<void> => {
    const ticket = ++opening;
    current = session;
    composer.show(session);
    // Read whole now: nothing told before this read is left to read again.
    stale.delete(session);
    if (sessionFromHash(location.hash) !== session) history.replaceState(null, "", `#session=${encodeURIComponent(session)}`);
    showSessions();
    const data = await readSession(session);
    if (ticket !== opening) return;
    view.showReasoning(data?.settings?.reasoning ?? false);
    // The session's `/model` choice, kept in its file: the picker says it after a reload or a switch.
    showModelChoice(pickers.model, data?.settings?.model, models);
    view.showTranscript(data?.items ?? []);
    // Opened mid-turn: the answer so far, from its first word; the live events numbered after it go on from there.
    if (data?.live) {
      adoptTurn(session, data.live);
      showSessions();
    }
    const live = liveTurns.get(session);
    if (live && !live.done) view.drawTurn(live);
    view.showWaiting(data?.waiting ?? []);
    contextMeter.show(data?.context);
    // Not on a touch screen: there the focus would pop the on-screen keyboard up over the conversation just opened.
    if (!touchScreen) input.focus();
  };

  /** The open conversation read again (another process wrote to it), the input left as it is. */
  const reloadTranscript = async (): Promise<void> => {
    const session = current;
    const ticket = opening;
    // Written to by another process: it exists now, whatever this page made of it.
    fresh.delete(session);
    await opened;
    const data = await readSession(session);
    // A message sent from here and not yet started is only on screen: the saved history would wipe it (the
    // conversation stays stale, read again once its turn ends). A turn under way is drawn as a reload draws it:
    // the saved history, then the turn so far from the read, joined to what the live events told.
    if (ticket !== opening || session !== current || (echoes.get(session) ?? []).length > 0) return;
    stale.delete(session);
    view.showTranscript(data?.items ?? []);
    if (data?.live) view.drawTurn(adoptTurn(session, data.live));
    view.showWaiting(data?.waiting ?? []);
    contextMeter.show(data?.context);
  };

  /** The open conversation changed where the live events do not say how: read again (now, or once it can be drawn). */
  const readAgain = (): void => {
    stale.add(current);
    reloadTranscript().catch(reportError);
  };

  const onEvent = (event: GatewayEvent): void => {
    switch (event.type) {
      case "setup":
        banner.setup(event.problems);
        return;
      case "provider-health":
        statusPanel.update(event.health);
        return;
      case "provider-left":
        statusPanel.remove(event.provider);
        return;
      case "turn-start": {
        changed(event.session);
        busy.add(event.session);
        showStop();
        const queue = echoes.get(event.session) ?? [];
        const resend = event.retryOf !== undefined;
        // A resend's echo is RESEND (a Retry, a typed /retry): its words are the gateway's to tell.
        const echoed = event.channel === "webchat" && (queue[0] === RESEND || (!resend && queue[0] === event.text));
        if (echoed) queue.shift();
        // A message whose try's answer was lost, kept to send again: this is it, arrived after all.
        else if (event.channel === "webchat" && !resend) outbox.arrived(event.session, event.text);
        // Known already from a read of the conversation that came first (its message shown with it).
        const known = event.turn !== undefined && liveTurns.get(event.session)?.turn === event.turn;
        const turn = known ? liveTurns.get(event.session) : newLiveTurn(event.turn);
        if (turn) Object.assign(turn, { message: event.message, retryOf: event.retryOf });
        if (!known && turn) {
          liveTurns.set(event.session, turn);
          if (event.session === current) {
            // Placed as the saved conversation places it (MessageTries): a resend of a message other messages came
            // after is shown again above its answer; one of the message said last is where that message is.
            if (event.again) view.addUserMessage(event.text, { sentAgain: true });
            else if (!echoed && !resend) view.addUserMessage(event.text);
            view.drawTurn(turn);
          }
        }
        void refreshSessions().catch(reportError);
        return;
      }
      case "turn-event": {
        // Told outside any turn (no turn id, none followed here): no answer is under way. A notice before a turn — the
        // wait (another process holds the conversation), a turn a gone process left cut closed — is in the conversation
        // read again. A command's work (/compact, and its summary's reply limit): its command-result says how it went
        // (a read now would wipe that answer).
        if (event.turn === undefined && !liveTurns.has(event.session)) {
          if (event.session === current && event.event.type === "notice" && event.event.about !== "reply-limit") readAgain();
          return;
        }
        let turn = liveTurns.get(event.session);
        if (!turn || (event.turn !== undefined && turn.turn !== event.turn)) {
          turn = newLiveTurn(event.turn);
          liveTurns.set(event.session, turn);
        }
        // Already in the snapshot the turn was built from: told once, never twice.
        if (!takeEvent(turn, event)) return;
        applyAgentEvent(turn, event.event, names);
        if (event.session === current) drawSoon(turn);
        return;
      }
      case "turn-end": {
        changed(event.session);
        // A message (or command) whose turn never began (its session could not take it): no turn-start takes its echo, this end does —
        // else the page, holding an echo that waits for a start, would never read the conversation again (t19 #9).
        if (event.notBegun?.channel === "webchat") {
          const queue = echoes.get(event.session) ?? [];
          if (queue[0] === RESEND || queue[0] === event.notBegun.text) queue.shift();
        }
        const turn = liveTurns.get(event.session) ?? newLiveTurn();
        applyTurnResult(turn, event.result);
        busy.delete(event.session);
        showStop();
        liveTurns.delete(event.session);
        if (event.session === current) {
          toDraw.delete(turn);
          view.drawTurn(turn);
          void refreshContext();
          // A resend's turn changed how earlier messages read (its try sent again: no Retry there, its notice says so): drawn as saved.
          // So is a conversation another process wrote to while this page could not draw it (its message shown, not yet begun).
          if (turn.retryOf !== undefined || stale.has(current)) reloadTranscript().catch(reportError);
        }
        void refreshSessions().catch(reportError);
        return;
      }
      case "turn-live": {
        // A turn under way when the events connected: what it told so far (after a reload, a drop, a second tab).
        changed(event.session);
        const before = followedBefore.get(event.session);
        // Followed already (read with the conversation, or before the events reconnected): that turn, its message on screen.
        const held = liveTurns.get(event.session) ?? (before?.turn === event.turn ? before : undefined);
        if (held && !liveTurns.has(event.session)) liveTurns.set(event.session, held);
        const turn = adoptTurn(event.session, event);
        if (event.session === current) {
          // Not in the conversation on screen (it began after that was read): its message comes with it, placed as turn-start places it.
          if (!held && (event.retryOf === undefined || event.again === true)) view.addUserMessage(event.text, { sentAgain: event.again === true });
          view.drawTurn(turn);
        }
        showSessions();
        return;
      }
      case "config-reloaded":
        // The config was edited: the models, aliases and agents the pickers offer are read again (the choice follows its model).
        void loadStatus()
          .then(() => refreshContext())
          .catch(reportError);
        return;
      case "session-updated": {
        // Another process (`hearth agent`, `hearth chat`) wrote to the session: what it wrote is read again.
        changed(event.session);
        void refreshSessions().catch(reportError);
        if (event.session === current) readAgain();
        return;
      }
      case "command-result": {
        changed(event.session);
        const queue = echoes.get(event.session) ?? [];
        // A command's answer, or a Retry's that found nothing to send: its echo goes.
        const index = queue.findIndex((item) => item === RESEND || commandWord(item) !== undefined);
        if (index >= 0) queue.splice(index, 1);
        if (event.session === current) {
          view.addCommandResult(event.text);
          // A `/model` (picked or typed, here or in another tab) may have changed the session's choice: the picker follows.
          void refreshContext();
        }
        void refreshSessions().catch(reportError);
        return;
      }
    }
  };

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value;
    if (text.trim() === "") return;
    input.value = "";
    composer.sent();
    // `//shrug` is the message "/shrug" (the gateway's reading, as the transcript keeps it): shown and matched as such.
    const literal = literalText(text);
    const session = current;
    const choice = chosen();
    const hold = (mayHaveArrived: boolean, unkept?: { why: string; byUser?: true | undefined }): void =>
      outbox.hold({ session, text, shown: literal, ...choice, mayHaveArrived, ...(unkept ? { why: unkept.why, ...(unkept.byUser ? { byUser: true } : {}) } : {}) });
    // The gateway away: kept, visibly, and sent once it is back. A message of this conversation not sent yet: this one goes after it, never before.
    if (link.state().kind !== "up" || outbox.holds(session)) {
      hold(false);
      if (link.state().kind === "up") outboxSending.flush();
      return;
    }
    // Shown once the conversation's history is: a late history would otherwise be drawn over it.
    void Promise.all([opened, picks.sent()]).then(async () => {
      const bubble = session === current ? view.addUserMessage(literal) : undefined;
      // A typed `/retry` is a resend: the gateway tells which message it sends again.
      const outcome = await send(session, { text, ...choice }, retryNumber(text) === undefined ? literal : RESEND);
      if (outcome.kind === "done" || outcome.kind === "taken") return;
      bubble?.remove();
      // Too large: no Retry can send it as it is — its words go back to the input box, to be shortened.
      if (outcome.kind === "too-large") {
        composer.giveBack(text, session);
        if (session === current) view.addError(`Not sent — ${outcome.why}. It is back in the input box.`);
        return;
      }
      // The gateway could not keep it (a full disk): the typed words are the only copy — kept here, and sent again later.
      // A fault in hearth (not the disk): kept too, for the user's Retry.
      if (outcome.kind === "unkept") hold(false, outcome);
      else hold(outcome.mayHaveArrived);
    });
  });
  pickers.model.addEventListener("change", () => {
    // The conversation exists from its first pick (its `/model` keeps the choice in its file).
    fresh.delete(current);
    picks.pick({ session: current, name: pickers.model.value, agent: chosen(), before: opened });
  });
  stopButton.addEventListener("click", () => {
    api.cancel(current).catch(reportError);
  });
  byId("new-session", HTMLButtonElement).addEventListener("click", () => {
    const session = newSessionKey();
    fresh.add(session);
    // Opened here and now, not on the hashchange a task later: a message sent at once goes to the new conversation.
    history.pushState(null, "", `#session=${encodeURIComponent(session)}`);
    openSession(session).catch(reportError);
  });
  window.addEventListener("hashchange", () => {
    const session = sessionFromHash(location.hash);
    if (session && session !== current) openSession(session).catch(reportError);
  });

  // The models (for the picks' names) and the setup problems (the banner's) as a status read found them.
  const onStatus = (status: StatusResponse): void => {
    models = status.models;
    banner.setup(status.setup);
  };
  const loadStatus = createStatusFeed({ api, link, panel: statusPanel, pickers, onStatus, reportError }).load;

  showLinkBanner({ banner: byId("link-banner", HTMLDivElement), text: byId("link-text", HTMLSpanElement), retry: byId("link-retry", HTMLButtonElement), link });
  // Back while the event stream stayed (one request failed): the kept messages go now; else once it is live again.
  link.watch((state) => {
    if (state.kind === "up" && connection.dataset["live"] === "true") outboxSending.flush(true);
  });

  // Messages kept from before a reload (or by another tab) are shown at once, whether the gateway answers or not.
  outbox.draw(current);
  // The first reads wait for a gateway that is away (stopping as the page loaded) rather than fail.
  for (;;) {
    try {
      await loadStatus();
      await refreshSessions();
      break;
    } catch (error) {
      if (!(error instanceof GatewayAway)) throw error;
      await link.whenUp();
    }
  }
  // A key the gateway does not list (a new conversation reloaded before its first message) has nothing to read yet — unless the
  // listing could not read every file: the conversation may be one of those, read to say why (not shown as empty).
  const first = current || listings[0]?.session || newSessionKey();
  if (!listings.some((entry) => entry.session === first) && banner.sessionProblems() === 0) fresh.add(first);
  await openSession(first).catch(reportError);
  connectLiveEvents({
    api,
    link,
    onEvent,
    onState: (state) => {
      connection.textContent = state.live ? "live" : `reconnecting — ${state.reason}`;
      connection.dataset["live"] = String(state.live);
      if (!state.live) return;
      // From now on every change is told as an event; what happened before (since the first reads as the page
      // loaded, or while a dropped stream was away) is only in what is read now: all of it is read again, every time.
      // The turns followed before a drop may never say they ended here (a gateway that stopped finished or cancelled
      // them): the saved history says how they went; one still running is followed again by its events.
      followedBefore = new Map(liveTurns);
      liveTurns.clear();
      busy.clear();
      showStop();
      echoes.clear();
      picks.clear();
      toDraw.clear();
      void Promise.all([loadStatus(), refreshSessions(), openSession(current)]).catch(reportError);
      // Live: the messages typed while the gateway was away go now (after the open conversation is read again).
      outboxSending.flush(true);
    },
  });
}
