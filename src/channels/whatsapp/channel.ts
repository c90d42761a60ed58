import type { AgentEvent } from "../../agent/agent-events.js";
import { JournalFullFault, KeptMessageFault, type HandleResult } from "../../gateway/port.js";
import { sentAgainWords } from "../../gateway/resend.js";
import { waitingNotice } from "../../models/waiting-notice.js";
import type { WhatsAppGateway } from "./gateway.js";
import { systemClock, type Clock } from "../../shared/clock.js";
import { isHearthError } from "../../shared/errors.js";
import { decideAccess, mayStillTalk } from "./access.js";
import { WhatsAppConnection, type Backoff, type ChannelLogger } from "./connection.js";
import type { ConnectionState } from "./status-file.js";
import { bareJid, parseMessage, type ParsedMessage } from "./inbound.js";
import { Outbox } from "./outbox.js";
import { withoutLeadingReasoning } from "./final-text.js";
import { PairingStore, PAIRING_TTL_MS } from "./pairing-store.js";
import { PendingStore, type TextMasker, type PendingMessage } from "./pending-store.js";
import { SentStore } from "./sent-store.js";
import { ownerCommandRefusal } from "./owner-commands.js";
import { groupMessageText } from "./speaker.js";
import type { WhatsAppSettings } from "./settings.js";
import type { SocketFactory, WhatsAppEvents, WhatsAppMessage, WhatsAppSocket } from "./socket.js";
import { whatsappPaths } from "./state-paths.js";
import { AnswerNotes, phoneNotice } from "./answer-notes.js";
import { HeldAnswers } from "./held-answers.js";
import { WaitingRetries, type ChannelResend } from "./waiting-retries.js";
import { answerText } from "../../agent/turn-notes.js";
import { faultNote } from "../../agent/failure-hint.js";

export interface WhatsAppChannelOptions {
  port: WhatsAppGateway;
  settings: WhatsAppSettings;
  stateDir: string;
  socketFactory: SocketFactory;
  logger: ChannelLogger;
  clock?: Clock | undefined;
  random?: (() => number) | undefined;
  backoff?: Backoff | undefined;
  /** How long a loading local model may keep the sender waiting before the note (default 4 s). */
  loadingNoteMs?: number | undefined;
  onQr?: ((qr: string) => void) | undefined;
  /** Each connection state as it is written to the status file (the gateway's terminal says the ones that matter). */
  onState?: ((state: ConnectionState, reason: string | undefined) => void) | undefined;
  /** Masks secrets in the waiting messages kept on disk, as the session store does. */
  secrets?: TextMasker | undefined;
}

/** Said when hearth could not keep a message (its state dir failed): the owner finds why in the log. */
export const NOT_KEPT = "Sorry — this message could not be kept: hearth cannot write its files right now (its owner sees why in the gateway's log). Please send it again later.";
/** Said when a message was refused because the messages already waiting for their turn hold as much as hearth keeps waiting (MessageInbox's bound). */
export const JOURNAL_FULL = "Sorry — this message was not kept: too many messages (with their photos) are already waiting for their answers. Please send it again once hearth has answered those, or send it without its photo.";
/** Said when hearth kept a message but could not write its conversation (the state dir failed): saved unanswered once it can, then /retry answers it. */
export const KEPT_NOT_ANSWERED = "Sorry — hearth cannot write this conversation right now (its owner sees why in the gateway's log). Your message is kept: it is added to the conversation, unanswered, as soon as hearth can write it — then send /retry to have it answered.";
export const LOADING_NOTE = "_warming up the local model…_";
/** The same, for a hosted model scaled to zero that says it is loading (waited for: the user named it, or nothing follows it). */
export const HOSTED_LOADING_NOTE = "_waiting for the model to load on its hosted service…_";

/**
 * The WhatsApp channel: messages from the people allowed go to the gateway at once (which saves them
 * before any model runs), one session per sender or group (`whatsapp:<jid>`); only the final text of
 * the answer is sent back. Reasoning and live text are never read here: the reply is the turn's result.
 */
export class WhatsAppChannel {
  readonly connection: WhatsAppConnection;
  private readonly outbox: Outbox;
  private readonly pairing: PairingStore;
  private readonly pending: PendingStore;
  private readonly sent: SentStore;
  private readonly retries: WaitingRetries;
  private readonly held: HeldAnswers;
  private readonly clock: Clock;
  private readonly inFlight = new Set<Promise<void>>();
  /** Per chat, the last message's image download: a later message waits for it, so turns keep their order. */
  private readonly downloads = new Map<string, Promise<unknown>>();
  /**
   * Per chat, when the latest message whose answer this run sent came (its receivedAt): a message a crash cut, resent
   * in recovery, whose answer follows one to a later message says which message it answers — a message taken in
   * during the recovery can be answered first (its turn queued ahead of the next resend). Kept only while the recovery
   * runs (`recovering`): no other resend is told by it.
   */
  private readonly answeredUpTo = new Map<string, string>();
  private recovering = false;
  private unsubscribe: (() => void) | undefined;
  private recovered = false;
  private stopped = false;
  /** `channels.whatsapp` as in use: replaced whole by {@link applySettings} on a config reload. */
  private settings: WhatsAppSettings;

  constructor(private readonly options: WhatsAppChannelOptions) {
    const paths = whatsappPaths(options.stateDir);
    this.clock = options.clock ?? systemClock;
    this.settings = options.settings;
    this.pairing = new PairingStore(paths.pairing, () => this.clock.now());
    this.pending = new PendingStore(paths.pending, options.secrets);
    this.sent = new SentStore(paths.sent, options.logger);
    this.outbox = new Outbox({
      socket: () => this.connection.socket,
      clock: this.clock,
      logger: options.logger,
      chunkLimit: () => this.settings.textChunkLimit,
      // In groups, what a reply to the assistant is checked against (a direct message's sender is allowed already).
      onSent: (chat, message) => {
        if (chat.endsWith("@g.us")) this.sent.record(chat, message);
      },
    });
    this.held = new HeldAnswers({ outbox: this.outbox, pending: this.pending, clock: this.clock, track: (work) => this.track(work), mayAnswer: (message) => this.mayAnswerLater(message) });
    this.retries = new WaitingRetries({
      port: options.port,
      pending: this.pending,
      clock: this.clock,
      windowMs: () => this.settings.retryWindowMs,
      // Not a retry: the message never reached the transcript, and its image (if any) is not at hand: described instead.
      run: (message, retry) => this.runTurn(retry ? message : this.withoutImage(message), { retry }),
      send: (message, text) => this.send(message, text),
      flushHeld: () => this.held.flush(),
      track: (work) => this.track(work),
      mayAnswer: (message) => this.mayAnswerLater(message),
    });
    this.connection = new WhatsAppConnection({
      factory: options.socketFactory,
      authDir: paths.credentials,
      statusFile: paths.status,
      clock: this.clock,
      random: options.random ?? Math.random,
      logger: options.logger,
      backoff: options.backoff,
      onSocket: (socket) => this.attach(socket),
      onQr: options.onQr,
      onState: (state, reason) => {
        if (state === "connected") this.onConnected();
        options.onState?.(state, reason);
      },
    });
  }

  async start(): Promise<void> {
    this.unsubscribe = this.options.port.subscribe((event) => {
      if (event.type === "provider-health" && event.health.state === "up") this.retries.modelsBack();
    });
    await this.connection.start();
  }

  /**
   * A reloaded `channels.whatsapp`: who may talk, the agent, groups, notices, limits and the retry
   * window apply from the next message (a turn already running finishes with the agent it began with).
   */
  applySettings(settings: WhatsAppSettings): void {
    this.settings = settings;
  }

  /** Disconnects; turns still running are not delivered: their messages stay pending for the next start. */
  stop(reason?: string): void {
    this.stopped = true;
    this.unsubscribe?.();
    this.retries.stop();
    this.held.stop();
    this.sent.flush();
    this.connection.stop(reason);
  }

  /** Resolves when every turn taken in so far has been answered (tests and the benchmark wait on it). */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  private track(work: Promise<void>): void {
    const tracked = work.catch((error: unknown) => this.options.logger.warn(`whatsapp: ${error instanceof Error ? error.message : String(error)}`)).finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
  }

  private attach(socket: WhatsAppSocket): void {
    socket.ev.on("messages.upsert", (update) => this.onUpsert(socket, update));
  }

  private onConnected(): void {
    if (!this.recovered) {
      this.recovered = true;
      this.recovering = true;
      this.track(
        this.retries.recover().finally(() => {
          this.recovering = false;
          this.answeredUpTo.clear();
        }),
      );
    } else {
      this.track(this.retries.flushAnswers());
    }
  }

  private onUpsert(socket: WhatsAppSocket, update: WhatsAppEvents["messages.upsert"]): void {
    // "append" is history synced from the phone, not something said to the assistant now.
    if (update.type !== "notify") return;
    const me = [socket.user?.id, socket.user?.lid].filter((jid): jid is string => typeof jid === "string");
    for (const raw of update.messages) {
      const message = parseMessage(raw);
      if (!message) continue;
      const decision = decideAccess(message, this.settings, { me, approved: (number) => this.pairing.isApproved(number), sentByMe: (chat, id) => this.sent.text(chat, id) !== undefined });
      if (decision.kind === "ignore") {
        this.options.logger.info(`whatsapp: ignored a message in ${message.chat}: ${decision.why}`);
        continue;
      }
      if (decision.kind === "pair") {
        this.track(this.offerPairing(message, decision.number));
        continue;
      }
      void socket.readMessages([raw.key]).catch(() => undefined);
      const image = message.image && this.readsImages() ? message.image : undefined;
      const quoted = this.quotedText(message);
      const pending: PendingMessage = {
        id: raw.key.id ?? `${message.chat}-${this.clock.now()}`,
        chat: message.chat,
        session: `whatsapp:${bareJid(message.chat)}`,
        // The model sees the image itself: the text is its caption; the description waits in case it cannot.
        ...(image ? { text: this.inboundText({ ...message, text: image.caption ?? "[image]" }), described: this.inboundText(message) } : { text: this.inboundText(message) }),
        ...(quoted ? { quoted } : {}),
        ...(!message.group && message.number ? { number: message.number } : {}),
        receivedAt: new Date(this.clock.now()).toISOString(),
      };
      // Someone let in by dmPolicy "open" alone is answered, but does not choose the model, reasoning or a compaction:
      // read on the text the gateway would get (an image's caption, when the model sees the image).
      const refusal = !message.group && !this.listed(message.number) ? ownerCommandRefusal(pending.text) : undefined;
      if (refusal !== undefined) {
        this.options.logger.info(`whatsapp: refused ${message.number ?? message.sender} an owner's command (dmPolicy open; not in allowFrom)`);
        this.track(this.send(pending, refusal));
        continue;
      }
      this.keepPending(pending);
      const before = this.downloads.get(message.chat);
      if (image) {
        const download = (before ?? Promise.resolve()).then(() => this.download(socket, raw, image.mediaType));
        this.downloads.set(message.chat, download);
        this.track(
          download.then(async (images) => {
            if (this.downloads.get(message.chat) === download) this.downloads.delete(message.chat);
            await (images ? this.runTurn(pending, { images }) : this.runTurn(this.withoutImage(pending)));
          }),
        );
      } else if (before) {
        this.track(before.then(() => this.runTurn(pending)));
      } else {
        this.track(this.runTurn(pending));
      }
    }
  }

  /** Whether a number is the owner's to let in: in `allowFrom`, or approved by pairing (not only let in by `dmPolicy: "open"`). */
  private listed(number: string | undefined): boolean {
    return number !== undefined && (this.settings.allowFrom.includes(number) || this.pairing.isApproved(number));
  }

  /** An image message that goes without its image: the described text, kept as what the transcript will hold. */
  private withoutImage(message: PendingMessage): PendingMessage {
    const { described, ...rest } = message;
    if (described === undefined) return message;
    const text: PendingMessage = { ...rest, text: described };
    this.keepPending(text);
    return text;
  }

  /**
   * Keeps the message on disk until it is answered (a restart answers it then). A state dir that cannot
   * take it (a full disk) must not stop the channel inside the socket's event: the message is still
   * answered now, and the log says it was not kept.
   */
  private keepPending(message: PendingMessage): void {
    try {
      this.pending.put(message);
    } catch (error) {
      this.options.logger.warn(`whatsapp: a message from ${message.chat} is answered but not kept for a restart: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  /** Whether the answering agent's first model reads images (`input` has "image"). */
  private readsImages(): boolean {
    const { agents, models } = this.options.port.catalogue();
    const primary = agents.find((agent) => agent.id === (this.settings.agent ?? "main"))?.primary;
    return models.find((model) => model.ref === primary)?.spec.input.includes("image") ?? false;
  }

  /** The image of a message, base64; undefined (the description goes instead) when it cannot be downloaded. */
  private async download(socket: WhatsAppSocket, raw: WhatsAppMessage, mediaType: string): Promise<{ mediaType: string; data: string }[] | undefined> {
    try {
      const buffer = await socket.downloadMedia(raw);
      return [{ mediaType, data: buffer.toString("base64") }];
    } catch (error) {
      this.options.logger.warn(`whatsapp: could not download an image from ${raw.key.remoteJid ?? "?"}: ${error instanceof Error ? error.message : String(error)}`);
      return undefined;
    }
  }

  /**
   * What the message quotes, for the model (as untrusted text). In a group, a reply to a message the
   * assistant sent there gives that message as the assistant sent it: the quoted text that came with
   * the reply is the sender's client's, and may say anything.
   */
  private quotedText(message: ParsedMessage): string | undefined {
    const own = message.group && message.repliesToId !== undefined ? this.sent.text(message.chat, message.repliesToId) : undefined;
    return own ?? message.quoted;
  }

  /** A message as the model reads it: in a group, labelled with its speaker (speaker.ts). */
  private inboundText(message: ParsedMessage): string {
    const limit = this.settings.maxInboundChars;
    let text = message.text;
    if (text.length > limit) text = `${text.slice(0, limit)}\n[… cut: the message was ${text.length} characters, this channel takes ${limit}]`;
    if (!message.group) return text;
    const { number } = message;
    const allowed = number !== undefined && (this.settings.allowFrom.includes(number) || this.pairing.isApproved(number));
    return groupMessageText({ sender: message.sender, number, name: message.name, allowed }, text);
  }

  /** The models' aliases, as the config names them ("trying Opus"). */
  private names(): { aliasOf(ref: string): string | undefined } {
    const models = this.options.port.catalogue().models;
    return { aliasOf: (ref) => models.find((model) => model.ref === ref)?.alias };
  }

  private async offerPairing(message: ParsedMessage, number: string): Promise<void> {
    const { request, created } = this.pairing.request(number, message.name);
    this.options.logger.info(`whatsapp: pairing request ${request.code} from ${number}${created ? "" : " (code already sent)"}`);
    if (!created) return;
    const hours = Math.round(PAIRING_TTL_MS / 3_600_000);
    await this.outbox.reply(
      message.chat,
      `This assistant answers only people its owner approved. Your pairing code is ${request.code}: the owner approves it with \`hearth pairing approve ${request.code}\`. It expires in ${hours} hour${hours === 1 ? "" : "s"}.`,
    );
  }

  /** `retry`: the saved message is sent again (the one `retryOf` names, else the latest without an answer); `images`: what came with a new one. */
  private async runTurn(message: PendingMessage, turn: { retry?: ChannelResend | undefined; images?: readonly { mediaType: string; data: string }[] } = {}): Promise<void> {
    const { retry, images } = turn;
    this.outbox.startTyping(message.chat);
    let note: { cancel(): void } | undefined;
    let told = false;
    const notes = new AnswerNotes(() => this.names());
    const onEvent = (event: AgentEvent): void => {
      notes.read(event);
      // Reasoning and live text are dropped here: only the result's final text is ever sent.
      if (event.type === "model-loading" && !note && !told) {
        note = this.clock.setTimeout(() => {
          told = true;
          // Not ahead of an earlier answer still held (its send failed): the chat would read a note on this message before that answer.
          if (!this.held.holds(message.chat)) void this.outbox.reply(message.chat, event.hosted ? HOSTED_LOADING_NOTE : LOADING_NOTE);
        }, this.options.loadingNoteMs ?? 4_000);
      }
      // A server that says nothing: said once a turn, what is awaited and what comes next (a loading note already said why).
      if (event.type === "attempt-waiting" && !told && !note) {
        told = true;
        if (!this.held.holds(message.chat)) void this.outbox.reply(message.chat, `_${waitingNotice(event, this.names())}_`);
      }
    };
    try {
      const result = await this.options.port.handle({
        channel: "whatsapp",
        session: message.session,
        agent: this.settings.agent,
        text: message.text,
        quoted: message.quoted,
        ...(images ? { images } : {}),
        canRestart: false,
        // A message taken in from a person is theirs: stopped before its turn (the gateway stopping), it is saved unanswered.
        keepWhenStopped: true,
        onEvent,
        ...(retry ? { retry: true, ...(retry.retryOf === undefined ? {} : { retryOf: retry.retryOf }) } : {}),
      });
      // Nothing to resend: the message never reached the transcript (a crash before it was saved); send it afresh.
      if (retry && result.kind === "command") {
        note?.cancel();
        note = undefined;
        const fresh = this.withoutImage(message);
        await this.deliver(fresh, await this.options.port.handle({ channel: "whatsapp", session: fresh.session, agent: this.settings.agent, text: fresh.text, quoted: fresh.quoted, canRestart: false, keepWhenStopped: true, onEvent }), notes);
      } else {
        // The channel's own resend (a crash, a model back) answering in the order of the messages: no "sent again" line, which
        // would say the sender sent it again (WaitingRetries: laterAnswered); a sender's /retry comes as a message and keeps it.
        const inOrder = retry !== undefined && !retry.laterAnswered && !this.laterAnswered(message) && result.kind === "turn";
        await this.deliver(message, inOrder ? { ...result, sentAgain: undefined } : result, notes);
      }
    } catch (error) {
      if (!isHearthError(error)) throw error;
      // hearth could not keep or read the session (a full disk, a session file that is not a file): the
      // sender is told it was not kept — the path and the fix go to the log, for the owner.
      // One kept in the journal (saved, unanswered, once the session can be written): not "send it again", which would save it twice.
      const kept = error instanceof KeptMessageFault;
      this.options.logger.warn(`whatsapp: a message from ${message.chat} was ${kept ? "kept but not answered" : "not kept"}: ${[error.message, ...error.details].join(" — ")}`);
      // Too much waiting already (a burst of photos): the sender hears why, and what to do, at once.
      await this.send(message, kept ? KEPT_NOT_ANSWERED : error instanceof JournalFullFault ? JOURNAL_FULL : NOT_KEPT);
    } finally {
      note?.cancel();
      this.outbox.stopTyping(message.chat);
    }
  }

  /** Sends what a turn came to, and settles the pending message: answered, waiting for a model, or told it failed. */
  private async deliver(message: PendingMessage, result: HandleResult, notes: AnswerNotes): Promise<void> {
    if (this.stopped) return;
    // Whatever goes to the chat is what the message got (a command's reply and a "Sorry…" too, not only an answer):
    // a resend of an earlier message that comes after it says which message it answers.
    if (result.kind === "command") {
      this.noteAnswered(message);
      await this.send(message, result.text);
      return;
    }
    const turn = result.result;
    if (turn.ok) {
      // The reasoning blocks that open the model's text go before anything is put in front of it (final-text.ts).
      const said = withoutLeadingReasoning(answerText(turn));
      const answer = notes.after(result.sentAgain === undefined ? said : `_Answer to the message ${sentAgainWords(result.sentAgain)}_\n\n${said}`);
      const notice = this.settings.fallbackNotice ? phoneNotice(turn, this.options.port.catalogue()) : undefined;
      const text = notice ? `_${notice}_\n\n${answer}` : answer;
      this.noteAnswered(message);
      await this.send(message, text);
    } else if (turn.unsavedAnswer !== undefined) {
      // Answered, not saved (a full disk): sent, not asked again; the path and the cause go to the log, for the owner.
      this.options.logger.warn(`whatsapp: the answer to a message from ${message.chat} was not saved: ${turn.error}`);
      this.noteAnswered(message);
      await this.send(message, `${withoutLeadingReasoning(turn.unsavedAnswer)}\n\n_(hearth could not save this answer: its log says why)_`);
    } else if (turn.cause === "transient") {
      this.retries.wait(message);
    } else if (turn.cause === "cancelled") {
      this.pending.remove(message.id);
    } else if (turn.cause === "fault") {
      // hearth's own fault: told at once (no model coming back would mend it), and as that — not as a passing failure.
      this.noteAnswered(message);
      await this.send(message, `Sorry — this message could not be answered: ${faultNote(turn.error)}`);
    } else {
      this.noteAnswered(message);
      await this.send(message, `Sorry — this message could not be answered: ${turn.error}`);
    }
  }

  /** A reply to the message goes to its chat now (held answers keep the chat's order): later resends of earlier messages come after it. */
  private noteAnswered(message: PendingMessage): void {
    if (!this.recovering) return;
    const upTo = this.answeredUpTo.get(message.chat);
    if (upTo === undefined || message.receivedAt > upTo) this.answeredUpTo.set(message.chat, message.receivedAt);
  }

  /** Whether this run sent its chat the answer to a message that came after this one. */
  private laterAnswered(message: PendingMessage): boolean {
    const upTo = this.answeredUpTo.get(message.chat);
    return upTo !== undefined && upTo > message.receivedAt;
  }

  /**
   * A message answered later than it came (it waited for a model, or a crash cut its turn): answered only while its
   * sender may still talk — a number taken out of allowFrom meanwhile gets nothing more, and no model is asked for it.
   * One that may not is dropped, unanswered, and the log says why.
   */
  private mayAnswerLater(message: PendingMessage): boolean {
    const why = mayStillTalk(message, this.settings, (number) => this.pairing.isApproved(number));
    if (why === undefined) return true;
    this.pending.remove(message.id);
    this.options.logger.info(`whatsapp: a message from ${message.chat} taken earlier is not answered: ${why}`);
    return false;
  }

  /** Sends after the chat's answers still held, or keeps what did not go with the pending message (held-answers.ts). */
  async send(message: PendingMessage, text: string): Promise<void> {
    await this.held.send(message, text);
  }
}
