import type { AgentEvent, TurnResult } from "../agent/agent-events.js";
import type { Agent } from "../agent/agent.js";
import { literalText } from "../agent/command-shape.js";
import { isCommand, isRetry, runCommand } from "../agent/commands.js";
import { keptMessage } from "../agent/inbound-images.js";
import type { ModelRef, ModelSpec } from "../ai/model-spec.js";
import { localClock } from "../shared/local-time.js";
import { describeFrom } from "../models/fallback-notice.js";
import { missingKey } from "../models/missing-key.js";
import { lookKey, type ServerLook } from "../models/reachability.js";
import { ServerLooks } from "./server-looks.js";
import type { RouterEvent } from "../models/router-events.js";
import { busyNotice, checkSessionKey, type SessionPlace } from "../sessions/session-store.js";
import { isHearthError } from "../shared/errors.js";
import type { EventStream } from "../shared/event-stream.js";
import type { Catalogue, ConversationSnapshot, GatewayEvent, GatewayPort, HandleResult, InboundMessage, ProviderHealth, ProxyRequest, ServedModel, SessionsView } from "./port.js";
import { CatalogueCache } from "./catalogue.js";
import { HealthNews } from "./health-news.js";
import { LiveTurns } from "./live-turns.js";
import { providerHealth, providersInUse, type HealthSources } from "./provider-health.js";
import { proxyCall } from "./proxy-call.js";
import { agentNamed, modelNamed } from "./message-targets.js";
import { servedModel } from "./served-model.js";
import { SessionQueue } from "./session-queue.js";
import { setupProblems } from "./setup-check.js";
import { notRun, notRunAtStop, notStartedAtStop, STOPPED_BEFORE_TURN } from "./stopped-turns.js";
import { conversationSnapshot } from "./conversation-snapshot.js";
import { historyMatch } from "./client-history.js";
import { imagesOf } from "./shown-images.js";
import { findResend, retryAsked, sentAgainWords } from "./resend.js";
import { contextUse } from "./context-use.js";
import { callerFault, KeptMessages, stateFault } from "./kept-messages.js";
import { TurnRedactor } from "./turn-redactor.js";
import { REASONING_SHOWN } from "./reasoning-shown.js";
import { watchTurn } from "./turn-log.js";
import { WaitingAtStop, type WaitingMessage } from "./waiting-at-stop.js";
import { BEHIND_A_TURN, HELD_ELSEWHERE, KEPT_FROM_STOP, KEPT_UNWRITABLE, WAITING_TO_BEGIN, WaitingMessages, type ShownWaiting } from "./waiting-messages.js";
import { stoppedByGateway } from "../shared/gateway-stopping.js";
import type { GatewayDependencies } from "./gateway-dependencies.js";

export type { GatewayDependencies, GatewayState } from "./gateway-dependencies.js";

/**
 * The running assistant behind every channel (GatewayPort). `handle` puts each message in its
 * session's line (one turn at a time per session, in arrival order; sessions in parallel), takes the
 * session's cross-process lock (the one place that does), runs in-chat commands without a model, and
 * runs a turn otherwise; every event goes to the message's `onEvent` and to every subscriber.
 */
export class Gateway implements GatewayPort {
  private readonly queue = new SessionQueue();
  private readonly listeners = new Set<(event: GatewayEvent) => void>();
  /** By model ref: what the last setup check found of its local server. */
  private readonly looks = new ServerLooks();
  /** The catalogue last made (a reload brings new catalog and agents). */
  private readonly catalogues = new CatalogueCache();
  private problems: readonly string[] = [];
  /** Tells listeners of providers' new health (see announceHealth). */
  private readonly healthNews = new HealthNews({ listening: () => this.listeners.size > 0, sources: () => this.healthSources(), publish: (event) => this.publish(event) });
  /** Sessions this gateway holds the lock of (its turns are told live; the file's changes are not news). */
  private readonly writing = new Set<string>();
  /** The gateway stops: messages whose turn has not begun are not started (see stop). */
  private stopping = false;
  /** The API requests waiting for their turn: the stop tells them at once that they were not run. */
  private readonly waitingAtStop = new WaitingAtStop();
  /** Stops watching the sessions for other processes' writes: watched while someone listens. */
  private stopWatching: (() => void) | undefined;
  /** The turns under way, with what each told so far: a page opening mid-turn starts from there (see LiveTurns). */
  private readonly live = new LiveTurns();
  /** The messages whose turn has not begun: a page opening the conversation shows them waiting. */
  private readonly waitingMessages = new WaitingMessages();
  /** Accepted messages whose session could not be written: kept in the journal, saved once it can be (see KeptMessages). */
  private readonly kept: KeptMessages | undefined;

  constructor(private readonly dependencies: GatewayDependencies) {
    this.problems = this.computeProblems();
    const { inbox, store, keptRetryMs } = dependencies;
    this.kept = inbox && new KeptMessages({ inbox, store, queue: this.queue, everyMs: keptRetryMs, onSaved: (session) => this.publish({ type: "session-updated", session }), writing: (session, work) => this.ownWrite(session, work) });
  }

  async handle(message: InboundMessage): Promise<HandleResult> {
    const session = checkSessionKey(message.session);
    const agent = this.agentFor(message.agent);
    const model = message.model === undefined ? undefined : modelNamed(this.dependencies.state().catalog, agent, message.model);
    const { turnLog } = this.dependencies;
    const watched = turnLog ? watchTurn(message, { agent: agent.spec.id, log: turnLog }) : undefined;
    const inbound = watched?.inbound ?? message;
    // Until its turn saves it, a message waiting behind another is only in memory: the inbox keeps it on
    // disk — the message its channel promised to keep (keepWhenStopped), as a stop before its turn keeps
    // it: an API request's client that lost its connection in a crash sends it again, and a second copy
    // would be saved. It takes its place in the line at once (arrival order), the line waiting for the write.
    const inbox = inbound.keepWhenStopped ? this.dependencies.inbox : undefined;
    // Told apart once, on the text as sent: `//shrug` is the message "/shrug", which is not then taken for a command.
    const command = !inbound.retry && isCommand(inbound.text);
    const retrying = !command && (Boolean(inbound.retry) || isRetry(inbound.text));
    const text = command || retrying ? inbound.text : literalText(inbound.text);
    // Kept as its session would keep it (its images too: one too large is a line of its text, as the session has it).
    const kept = keptMessage(text, inbound.images ?? []);
    const ticket = inbox && !retrying && !command ? inbox.add({ session, ...kept, quoted: inbound.quoted, channel: inbound.channel, agent: agent.spec.id, at: new Date().toISOString() }) : undefined;
    // Accepted only once kept: a journal that cannot be written refuses a message its channel promises to keep (handle
    // rejects, naming the path and the fix); another (a terminal's, an API request's) goes on, and the session store says what is wrong.
    const journal = inbound.keepWhenStopped ? ticket : ticket?.catch(() => undefined);
    void (journal ?? Promise.resolve()).then(() => inbound.onAccepted?.(), () => undefined);
    let leftInJournal = false;
    // A message leaves the journal only once it is in its session (see KeptMessages).
    const progress = { saved: false };
    // Said to the caller only (a channel's live view of the session hears of the turn when it starts).
    // A message that waits behind another takes its place in the session's line across processes now:
    // a `hearth agent` arriving after it waits for it (the lock taken later reports a state dir's fault).
    const waits = this.queue.has(session);
    const place = waits ? this.dependencies.store.reserve(session).catch(() => undefined) : undefined;
    if (waits) inbound.onEvent?.({ type: "turn-queued" });
    const shown = command || retrying ? undefined : this.waitingMessages.enter(session, { text: this.dependencies.secrets?.redact(kept.text) ?? kept.text, at: new Date().toISOString(), why: waits ? BEHIND_A_TURN : WAITING_TO_BEGIN, ...imagesOf(kept.images) });
    // A message its channel did not promise to keep (an API request's) that still waits for its turn when the
    // gateway stops is told at the signal that it was not run, not once the turn before it ends (the drain).
    const waiting = inbound.keepWhenStopped ? undefined : this.waitingAtStop.enter(notRunAtStop(session));
    const queued = this.queue
      .run(session, async () => {
        try {
          await journal;
          // The gateway is stopping: a message whose turn has not begun is not started (stopped-turns.ts).
          if (this.stopping) {
            const stopped = notStartedAtStop(session, { keep: inbound.keepWhenStopped === true, journaled: (await journal) !== undefined });
            leftInJournal = stopped.leftInJournal;
            if (stopped.result) return stopped.result;
          }
          // The sender went away while the message waited: not run, and not saved unless the channel promised to keep it (see InboundMessage.signal).
          else if (inbound.signal?.aborted && !inbound.keepWhenStopped) return notRun(session);
          // Messages kept earlier because this session could not be written go first, in the order they came.
          if (!command) await this.kept?.before(session);
          return await this.turnInLine(session, { inbound, agent, model, text, kind: command ? "command" : retrying ? "retry" : "message", place: await place, waiting, shown, journaled: await journal, progress });
        } catch (error) {
          // Told at the stop that it was not run, it gave up waiting for the session's lock: nothing more to say.
          if (waiting?.begin() === false) return notRunAtStop(session);
          // A fault of the state dir (a session file that cannot be read or written, a full disk): every
          // channel listening is told why, as a failed turn, not only the caller (the web chat got its 202
          // before the line came to this message, and heard nothing more).
          if (!isHearthError(error)) throw error;
          const keptIn = !progress.saved && (await journal?.catch(() => undefined)) !== undefined ? inbox?.file : undefined;
          // A message its journal refused was never accepted: its sender hears why (the web chat keeps it, saying so), and
          // no turn of it was told to anyone — a failed turn-end would say the same refusal a second time (t19 #9).
          const refused = inbound.keepWhenStopped === true && journal !== undefined && (await journal.then(() => false, () => true));
          // A message never saved had no turn-start: its end names it (a page drops its copy on screen that waited for that start, t19 #9).
          if (!refused) this.publish({ type: "turn-end", session, result: stateFault(session, error, keptIn), ...(progress.saved ? {} : { notBegun: { channel: inbound.channel, text: this.dependencies.secrets?.redact(text) ?? text } }) });
          throw callerFault(error, keptIn);
        }
      })
      .finally(async () => {
        waiting?.begin();
        shown?.leave();
        await (await place)?.release();
        const id = await journal?.catch(() => undefined);
        if (id === undefined || leftInJournal) return;
        if (progress.saved) await inbox?.take(id).catch(() => undefined);
        else this.kept?.keep(id);
      });
    if (watched) void queued.then(watched.ended, watched.broke);
    return waiting ? Promise.race([queued, waiting.told]) : queued;
  }

  /** A message's work once its turn in the session's line has come: under the session's lock, a command or a turn. */
  private async turnInLine(
    session: string,
    // `shown`: the message shown waiting until its turn begins; `journaled`: its journal id, when it has one (MessageInbox.begun); `progress.saved`: the message is in its session (it may leave the journal).
    message: { inbound: InboundMessage; agent: Agent; model: ModelSpec | undefined; text: string; kind: "command" | "retry" | "message"; place: SessionPlace | undefined; waiting: WaitingMessage<HandleResult> | undefined; shown: ShownWaiting | undefined; journaled: string | undefined; progress: { saved: boolean } },
  ): Promise<HandleResult> {
    const { inbound, agent, model, kind, place, shown } = message;
    const inbox = this.dependencies.inbox;
    /** The journal's word that this turn is under way, taken at its end (a crash leaves it: the next start closes the turn). */
    let underWay: string | undefined;
    // The message is in its session: it may leave the journal, and the session store takes writes again (kept messages are tried).
    const saved = (): void => {
      message.progress.saved = true;
      this.kept?.nudge();
    };
    const secrets = this.dependencies.secrets;
    const redactor = secrets ? new TurnRedactor(secrets) : undefined;
    const show = (event: AgentEvent): void => {
      inbound.onEvent?.(event);
      // Which model a call goes to is for the caller streaming the answer (its replies name the model); the live events say what a person sees.
      if (event.type !== "attempt-start") this.publish({ type: "turn-event", session, event });
    };
    const emit = (event: AgentEvent): void => {
      for (const shown of redactor ? redactor.event(event) : [event]) show(shown);
    };
    const masked = <T>(value: T): T => (redactor ? redactor.value(value) : value);
    let toldWait = false;
    const onWait = (): void => {
      // Another process answers in this session (or a stopped one's hold clears for recovery): the caller hears that it waits, every channel why — once.
      if (toldWait) return;
      toldWait = true;
      inbound.onEvent?.({ type: "turn-queued" });
      shown?.because(HELD_ELSEWHERE);
      emit({ type: "notice", text: busyNotice(session), about: "session-busy" });
    };
    // An API request the stop told it was not run gives up its wait for another process's turn.
    const lockSignal = message.waiting && inbound.signal ? AbortSignal.any([inbound.signal, message.waiting.signal]) : (message.waiting?.signal ?? inbound.signal);
    // A session a stopped hearth left a turn cut in is closed first: a message after it would end that turn unmarked.
    await inbox?.recovered(session, { onWait, signal: lockSignal });
    const lock = await this.dependencies.store.lock(session, { signal: lockSignal, onWait, place });
    try {
      this.writing.add(session);
      // What another process wrote before this turn got the lock (its answer) is told before this turn starts: its write,
      // settling as the lock changed hands, was this process's to hide from the watch (writing, or its own look by then).
      if (await this.dependencies.store.writtenElsewhere(session).catch(() => false)) this.publish({ type: "session-updated", session });
      // A turn a process that is gone left cut here (a killed `hearth agent`: no gateway start closes it) is closed, and said, before this one.
      for (const notice of (await inbox?.closeGoneIn(this.dependencies.store, session)) ?? []) emit({ type: "notice", text: notice });
      // The stop told it already while it waited for the lock: it starts nothing.
      if (message.waiting?.begin() === false) return notRunAtStop(session);
      // The gateway began to stop while it waited (for the line, or the lock): its turn has not begun, and is not started.
      if (inbound.signal?.aborted || this.stopping) {
        const senderGone = inbound.signal?.aborted === true && !stoppedByGateway(inbound.signal);
        if (!inbound.keepWhenStopped) return this.stopping && !senderGone ? notRunAtStop(session) : notRun(session);
        // Kept as promised: the message is saved, unanswered; a command runs (it calls no model); a `/retry` has its message saved already.
        if (kind === "message") {
          // Told once its message is saved (as turn-end is once the answer is): a history read after it has the message.
          shown?.leave();
          const started = this.beginTurn(session, { channel: inbound.channel, text: masked(message.text) });
          const result = masked(await agent.keepUnanswered(session, message.text, { options: { quoted: inbound.quoted, images: inbound.images, channel: inbound.channel, onSaving: (id) => this.live.messageSaving(session, id) }, why: STOPPED_BEFORE_TURN }));
          saved();
          started();
          this.publish({ type: "turn-end", session, result });
          return { kind: "turn", result };
        }
        if (kind === "retry") return notRun(session);
      }
      if (kind === "command") {
        const text = masked(await runCommand(message.text, session, { agent, store: this.dependencies.store, catalog: this.dependencies.state().catalog, emit, reasoningShown: REASONING_SHOWN[inbound.channel] }));
        this.publish({ type: "command-result", session, text });
        return { kind: "command", text };
      }
      // An API client's own copy of the conversation, held against the session's (as it is kept: masked): a regenerate is sent again, a history that differs is said.
      const history = kind === "message" && inbound.history !== undefined ? await historyMatch(agent, { session, ...masked({ history: inbound.history, text: message.text }) }) : undefined;
      if (history !== undefined && history.kind !== "continues" && history.notice !== undefined) inbound.onEvent?.({ type: "notice", text: history.notice });
      // A Retry's message, or a client's own resend of a message its first try saved: that message again, not a second copy.
      const resend = await findResend(agent, session, { retrying: kind === "retry", asked: retryAsked(inbound), repeated: inbound.repeated === true, text: message.text, regenerate: history?.kind === "resend" ? history.entry : undefined });
      if (resend.kind === "nothing") {
        this.publish({ type: "command-result", session, text: resend.text });
        return { kind: "command", text: resend.text };
      }
      const retry = resend.kind === "resend" ? resend.entry : undefined;
      const again = resend.kind === "resend" && resend.again;
      const text = retry ? retry.text : message.text;
      // Under way from here (a page reading the history sees it live); told once its message is saved (as turn-end is once the answer is).
      shown?.leave();
      const started = this.beginTurn(session, { channel: inbound.channel, text: masked(text), retryOf: retry?.id, again });
      // Its caller hears first which message the answer is to (a terminal, an API client; a page shows the question again, WhatsApp says it with the answer).
      if (again) inbound.onEvent?.({ type: "notice", text: `the answer that follows is to the message ${sentAgainWords(masked(text))}`, about: "sent-again" });
      const saving = (id: string): void => {
        this.live.messageSaving(session, id);
        underWay = inbox?.begun({ session, entry: id, journaled: message.journaled });
      };
      const turn = await agent.turn(session, text, { onSaved: () => (saved(), started()), onEvent: emit, onSaving: saving, signal: inbound.signal, model, canRestart: inbound.canRestart, showsLiveText: inbound.showsLiveText, quoted: inbound.quoted, images: inbound.images, retry, channel: inbound.channel, maxTokens: inbound.maxTokens, maxTokensField: inbound.maxTokensField });
      // Streamed text still held back (it might have been a secret's start) goes out before the end.
      for (const shown of redactor?.flush() ?? []) show(shown);
      const result: TurnResult = masked(turn);
      if (turn.ok) this.modelAnswered(turn.model);
      this.publish({ type: "turn-end", session, result });
      return { kind: "turn", result, ...(again ? { sentAgain: masked(text) } : {}) };
    } finally {
      // A turn that threw before its end was told is no longer under way either.
      this.live.end(session);
      this.writing.delete(session);
      await lock.release();
      // A journaled message its session could not take stays in the journal with its turn line (KeptMessages saves it later).
      if (underWay !== undefined && (message.progress.saved || underWay !== message.journaled)) await inbox?.take(underWay);
    }
  }

  proxy(request: ProxyRequest): EventStream<RouterEvent> {
    const { router, latencies, secrets, proxyLedger } = this.dependencies;
    return proxyCall(request, { catalog: this.dependencies.state().catalog, main: this.agentFor(undefined), router, latencies, secrets, proxyLedger, onAnswered: (ref) => this.modelAnswered(ref) });
  }

  /** The agents, and every model a request may name, the user's own first (see makeCatalogue). */
  catalogue(): Catalogue {
    const { catalog, agents, missingConfigFile } = this.dependencies.state();
    return this.catalogues.get({ catalog, agents, by: missingConfigFile ? "default" : "reload" });
  }

  served(ref: ModelRef): ServedModel | undefined {
    const model = this.dependencies.state().catalog.models.get(ref);
    return model ? servedModel(model, { windows: this.dependencies.windows, loadState: this.dependencies.loadState, ollama: this.dependencies.ollamaLoadState }) : undefined;
  }

  async lookLoaded(refs: readonly ModelRef[]): Promise<void> {
    const { loadState, ollamaLoadState } = this.dependencies;
    if (!ollamaLoadState) return;
    const { models } = this.dependencies.state().catalog;
    // LM Studio's listing says it of its own models (as last seen); any other local server may be Ollama.
    const looked = refs.map((ref) => models.get(ref)).filter((model): model is ModelSpec => model !== undefined && model.local && model.replicas.every((baseUrl) => loadState?.knownLoaded(model, baseUrl) === undefined));
    await Promise.all(looked.map((model) => ollamaLoadState.look(model)));
  }

  /**
   * Each provider in use: the ones some agent's chain uses, then any other that answered (a session's
   * `/model` choice, a proxied model) or is cooling down after a failure — cooling (until when, why),
   * down (no key, no server), up (answered lately), or unknown.
   */
  health(): readonly ProviderHealth[] {
    const sources = this.healthSources();
    return [...providersInUse(sources)].map(([provider, models]) => providerHealth(provider, models, sources));
  }

  sessions(): SessionsView {
    const { store } = this.dependencies;
    return {
      list: async () => {
        const { sessions, problems } = await store.list();
        return { sessions: sessions.map((summary) => ({ session: summary.key, updated: summary.updated, turns: summary.turns, lastText: summary.lastText, ...(summary.reset ? { reset: summary.reset } : {}) })), problems };
      },
      transcript: async (session) => (await this.conversation(session, { live: false })).items,
      conversation: async (session) => this.conversation(session, { live: true }),
      underWay: () => this.live.all(),
      contextUse: async (session, agentId) => contextUse(this.agentFor(agentId), checkSessionKey(session)),
      settings: async (session) => {
        const agent = this.agentFor(undefined);
        const { reasoning, model } = agent.settings(await agent.readSession(checkSessionKey(session)));
        return { reasoning, model };
      },
    };
  }

  setupProblems(): readonly string[] {
    return this.problems;
  }

  /** The gateway now serves an edited config: every listener hears it (the page reads its models again). */
  configReloaded(): void {
    this.publish({ type: "config-reloaded" });
  }

  /**
   * Asks each local server of the main chain whether it answers now, and updates (and announces) the setup problems.
   * A model that cannot be called for want of a key is not asked either.
   */
  async checkSetup(signal?: AbortSignal): Promise<readonly string[]> {
    const local = this.agentFor(undefined).spec.chain.filter((model) => model.local && missingKey(model) === undefined);
    const look = (model: ModelSpec): Promise<ServerLook> => this.dependencies.reachability.look(model, signal).catch((error: unknown): ServerLook => ({ state: "absent", message: error instanceof Error ? error.message : String(error) }));
    // What a server answered is said on the page, in the status and the log (setup problems, provider health): a key it echoes is masked first.
    const masked = (found: ServerLook): ServerLook => (found.state === "answers" || !this.dependencies.secrets ? found : { ...found, message: this.dependencies.secrets.redact(found.message) });
    const check = this.looks.begin();
    const found = await Promise.all(local.map(async (model) => [lookKey(model), masked(await look(model))] as const));
    // A later check began meanwhile (the 10 s timer, a reload's): its looks are newer than these.
    if (this.looks.apply(check, found)) this.refreshProblems();
    return this.problems;
  }

  /**
   * A model answered a turn (or a proxied call): its server answers, at the address it serves from now, whatever the last look found
   * there (the setup banner does not say "no model server" while turns are answered, until the next look).
   */
  modelAnswered(ref: ModelRef): void {
    const model = this.dependencies.state().catalog.models.get(ref);
    if (model?.local && this.looks.answered(lookKey(model))) this.refreshProblems();
  }

  /** After a config reload (or one that failed): the setup is judged afresh against the config serving. */
  refreshProblems(): void {
    const before = this.problems.join("\n");
    this.problems = this.computeProblems();
    if (this.problems.join("\n") !== before) this.publish({ type: "setup", problems: this.problems });
  }

  /** Runs `work` as this gateway's own write of `session`: the session watcher tells none of it (a turn's, or a kept message's save). */
  private async ownWrite<T>(session: string, work: () => Promise<T>): Promise<T> {
    const mine = !this.writing.has(session);
    if (mine) this.writing.add(session);
    try {
      return await work();
    } finally {
      if (mine) this.writing.delete(session);
    }
  }

  /**
   * Every event from now on. While anyone listens, the sessions are watched for turns other processes
   * (`hearth agent`, `hearth chat`) write: each is told as `session-updated` (read it again) — the file
   * holds only what was said, not the live events of a turn, so a turn-start/turn-end would be made up.
   */
  subscribe(listener: (event: GatewayEvent) => void): () => void {
    this.listeners.add(listener);
    this.stopWatching ??= this.dependencies.store.watch((session) => {
      if (!this.writing.has(session)) this.publish({ type: "session-updated", session });
    });
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) {
        this.stopWatching?.();
        this.stopWatching = undefined;
      }
    };
  }

  /** A provider's health changed: listeners hear of it shortly (see HealthNews). */
  announceHealth(provider: string): void {
    this.healthNews.announce(provider);
  }

  /** The gateway stops: from now on a message whose turn has not begun is not started (see notStartedAtStop). */
  stop(): void {
    this.stopping = true;
    this.waitingAtStop.stop();
    // What is kept because its session could not be written stays in the journal: the next start saves it.
    this.kept?.stop();
  }

  /** Resolves when every queued message has been handled (shutdown). */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  private async conversation(session: string, options: { live: boolean }): Promise<ConversationSnapshot> {
    const agent = this.agentFor(undefined);
    await this.closeCutTurns(session);
    return conversationSnapshot({
      session,
      store: this.dependencies.store,
      describe: agent.spec.fallbackNotice ? describeFrom(this.dependencies.state().catalog) : undefined,
      live: options.live ? this.live : undefined,
      queued: () => this.queue.has(session),
      waiting: () => [
        ...(this.dependencies.inbox?.keptIn(session) ?? []).map(({ text, at, images }) => ({ text: this.dependencies.secrets?.redact(text) ?? text, at, why: KEPT_UNWRITABLE, ...imagesOf(images) })),
        ...this.waitingMessages.in(session),
        ...(this.dependencies.inbox?.recoveringIn(session) ?? []).map(({ text, at, images }) => ({ text, at, why: KEPT_FROM_STOP, ...imagesOf(images) })),
      ],
    });
  }

  /**
   * A turn a process that is gone cut in the session (a killed `hearth agent`) is closed when a page reads
   * the session, not only at its next turn: the read would show it under way, or unanswered without a word,
   * until then. Only when nothing of this gateway's runs or waits there (that turn closes it first) and the
   * session's lock is free (a live holder's turn does); in the session's line, so a message that comes
   * meanwhile goes after it. Other pages showing the session are told it changed.
   */
  private async closeCutTurns(session: string): Promise<void> {
    const { inbox, store } = this.dependencies;
    if (!inbox || this.queue.has(session)) return;
    const closed = await this.queue.run(session, () => inbox.closeGoneIn(store, checkSessionKey(session), { lock: () => store.lockIfFree(session) }));
    if (closed.length > 0) this.publish({ type: "session-updated", session });
  }

  private healthSources(): HealthSources {
    const { catalog, agents } = this.dependencies.state();
    return { catalog, agents, cooldowns: this.dependencies.cooldowns, latencies: this.dependencies.latencies, reachable: this.looks.current, elsewhere: this.dependencies.outcomesElsewhere?.current() };
  }

  private computeProblems(): string[] {
    const state = this.dependencies.state();
    const { chain, privacy } = this.agentFor(undefined).spec;
    const { cooldowns } = this.dependencies;
    // A hosted model known not to answer: its key refused (remembered until the key changes or an answer comes), or its service unreachable just now.
    const hostedDown = (model: ModelSpec): string | undefined => {
      const refused = cooldowns.refusedKey(model.ref);
      if (refused) return `the hosted ${model.ref} cannot answer: ${refused.why}`;
      return cooldowns.reason(model.ref) === "unreachable" ? `the hosted ${model.ref} could not be reached just now: check the network (it is tried again from ${localClock(cooldowns.until(model.ref) ?? 0)})` : undefined;
    };
    const problems = setupProblems({ reloadFailure: state.reloadFailure, missingConfigFile: state.missingConfigFile, chain, privacy, reachable: this.looks.current, keyNames: state.keyNames, initCommand: state.initCommand, hostedDown });
    return [...problems, ...(this.dependencies.stateWrites?.problems() ?? [])];
  }

  private agentFor(id: string | undefined): Agent {
    return agentNamed(this.dependencies.state().agents, id);
  }

  /** A turn is under way (kept for a page that opens it now); the returned call tells `turn-start`, once its message is saved. */
  private beginTurn(session: string, turn: { channel: InboundMessage["channel"]; text: string; retryOf?: string | undefined; again?: boolean | undefined }): () => void {
    const id = this.live.begin(session, turn);
    return () => this.publish({ type: "turn-start", session, channel: turn.channel, text: turn.text, turn: id, ...this.live.turnMessage(session) });
  }

  /** Tells every listener; a turn's events are numbered and kept while it is under way, and its end ends it. */
  private publish(told: GatewayEvent): void {
    let event = told;
    if (told.type === "turn-event") {
      const stamp = this.live.record(told.session, told.event);
      if (stamp) event = { ...told, ...stamp };
    } else if (told.type === "turn-end") {
      const turn = this.live.end(told.session);
      if (turn) event = { ...told, turn };
    }
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // A listener that throws (a closed connection) must not break the turn or the other listeners.
      }
    }
  }
}
