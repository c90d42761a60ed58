import { stateInstance } from "../../config/state-instance.js";
import { openBindRefusal } from "../../ops/gateway-token-advice.js";
import { mkdirSync } from "node:fs";
import { monitorEventLoopDelay, type IntervalHistogram } from "node:perf_hooks";
import { dirname } from "node:path";
import { createHttpApp, frontGate, serveHttp, type RunningServer } from "../../channels/http/server.js";
import { proxyFront } from "../../channels/http/proxy-front.js";
import type { PendingSettings } from "../../channels/http/pending-settings.js";
import { isLoopback } from "../../config/gateway-address.js";
import { listenBanner } from "../gateway/listen-banner.js";
import { stateDir } from "../../config/paths.js";
import { defaultConfigWords, defaultLocalBaseUrl, saysRunningOnDefault } from "../../config/default-config.js";
import { HearthError, isHearthError } from "../../shared/errors.js";
import { createGatewayRuntime, type GatewayRuntime } from "../gateway-runtime.js";
import { watchConfigFile } from "../gateway/config-watch.js";
import { serviceEnvFile } from "../../config/service-env.js";
import type { GatewayLog } from "../gateway/logger.js";
import { holdStateDir } from "../gateway/start-hold.js";
import { configuredCommand, commandLine, terminalSafe, writeLine, type CliIo, type GlobalOptions } from "../io.js";
import { VERSION } from "../../shared/version.js";
import { queuedNotice, waitingNotice } from "../../models/waiting-notice.js";
import { openAiFront, openAiRoutes } from "../../channels/http/openai/routes.js";
import { defaultWebAssetsDir, webChatRoutes } from "../../channels/webchat/routes.js";
import { whatsappSettings } from "../../channels/whatsapp/settings.js";
import { WhatsAppView } from "../gateway/whatsapp-view.js";
import { WhatsAppRunner } from "../gateway/whatsapp-runner.js";
import { IdleMemoryRelease } from "../gateway/idle-memory.js";
import { SERVICE_MARKER, serviceEnvironment } from "../gateway/service-environment.js";
import { forgetListening, recordListening } from "../../ops/gateway-listening.js";
import { restartNeedLine, restartNeeds, type RestartNeed, type StartedGateway } from "../../ops/restart-needed.js";
import { secretEnvironmentValues } from "../../shared/secret-redactor.js";
import { StopSwitch } from "../../gateway/stop-switch.js";
import { DRAIN_MS, workWords, type StopCounts } from "../../gateway/stop-counts.js";
import { recordDraining } from "../gateway/drain-record.js";
import { keepRunningOnHangUp, keepRunningWhenOutputCloses, silentWhenClosed, type OutputStreamName } from "../output-closed.js";

export interface GatewayCommandOptions extends GlobalOptions {
  port?: string;
  bind?: string;
}

/**
 * `hearth gateway`: the long-running process. Serves the HTTP API and the web chat on 127.0.0.1:18790 by
 * default, reloads the config when the file changes, and on SIGTERM/SIGINT stops accepting, lets the
 * turns and requests in flight finish (bounded) and exits 0.
 */
export async function gatewayCommand(started: CliIo, options: GatewayCommandOptions): Promise<number> {
  // As the service: gateway.env's variables where the environment lacks them (launchd cannot load the file), masked like the environment's.
  const service = serviceEnvironment(started.env);
  // A terminal that goes away (`hearth gateway | head -2`) does not stop the gateway: it writes there no more and keeps its log.
  const closedOutputs = new Set<OutputStreamName>();
  const io: CliIo = { ...started, env: service.env, stdout: silentWhenClosed(started.stdout, () => closedOutputs.has("stdout")), stderr: silentWhenClosed(started.stderr, () => closedOutputs.has("stderr")) };
  io.secrets?.add(secretEnvironmentValues(Object.fromEntries(service.added.map((name) => [name, service.env[name]]))));
  const state = stateDir({ env: io.env, cwd: io.cwd });
  // The state dir's lock, then the log: a second gateway refused here writes nothing into the running one's log, and touches no session or journal.
  const { held, log } = await holdStateDir({ io, stateDir: state });
  const { logger, file: logFile } = log;
  if (service.added.length > 0) logger.info({ variables: service.added }, "read from gateway.env");
  const keepOnClose = keepRunningWhenOutputCloses((stream) => {
    if (closedOutputs.has(stream)) return;
    closedOutputs.add(stream);
    logger.warn({ stream }, `the terminal went away (${stream} closed): the gateway keeps running, and writes to this log only`);
  });
  // SIGHUP (the terminal it was started from closed, or a `kill -HUP`): it keeps running. Whether the terminal is
  // gone is told by its writes failing (EIO), which silence it (keepOnClose) — not by the signal, which a user may send by hand.
  const keepOnHangUp = keepRunningOnHangUp(() => {
    const words = `SIGHUP: the gateway keeps running (a config edit is loaded by itself; if its terminal closed, it writes to this log only) — stop it with \`kill ${process.pid}\`, or Ctrl+C where it runs`;
    logger.warn({ signal: "SIGHUP" }, words);
    writeLine(io.stderr, `hearth: ${words}`);
  });
  const keepRunning = (): void => {
    keepOnClose();
    keepOnHangUp();
  };
  const startedAt = Date.now();
  // When gateway.env's variables were last read: as the service, at the start (its manager put them in the
  // environment, which a reload does not change); otherwise at each config load, which reads them from the file.
  let envReadAt = startedAt;
  const onWarning = (message: string): void => {
    logger.warn({ warning: message }, "warning");
    writeLine(io.stderr, `hearth: warning: ${message}`);
  };
  const stop = new StopSwitch();
  // The gateway settings a reload found changed since the start: applied only by a restart, said on /health for `gateway status` and doctor.
  let restartNeeded: RestartNeed[] = [];
  const runtime = await createGatewayRuntime({ env: io.env, cwd: io.cwd, configFlag: options.config, command: configuredCommand(io), secrets: io.secrets, onWarning, stop, turnLog: (fields) => logger.info(fields, "turn") });
  const token = runtime.loaded().config.gateway.auth.token;
  if (token) io.secrets?.add([token]);
  let server: RunningServer;
  /** The address it listens on (--bind, else gateway.bind). */
  let bind: string;
  const shutdown = new AbortController();
  const whatsappView = new WhatsAppView({ stateDir: state, enabled: () => whatsappSettings(runtime.loaded().config.channels?.whatsapp).enabled });
  // SIGTERM and SIGINT are taken from before the gateway listens: a stop asked for once /health answers
  // (while the start's setup check is still out, or WhatsApp starts) drains and records as any stop does.
  const signals = signalQueue();
  // A process that runs for weeks logs a stray rejection (a probe, a warm-up) instead of dying mid-turn.
  const stray = (error: unknown): void => logger.error({ err: error instanceof Error ? { message: error.message, stack: error.stack } : String(error) }, "unhandled rejection (the gateway keeps serving)");
  process.on("unhandledRejection", stray);
  try {
    const listen = listenAddress(runtime, options);
    bind = listen.bind;
    const appOptions = { port: runtime.port, auth: { token: listen.token }, limits: { maxBodyBytes: listen.limits.maxBodyBytes, keepAliveMs: listen.limits.keepAliveSeconds * 1000, maxEventSubscribers: listen.limits.maxEventSubscribers }, logger, corsOrigins: listen.corsOrigins, bind: listen.bind, allowedHosts: listen.allowedHosts, version: VERSION, shutdown: shutdown.signal, stop, startedAt, envReadAt: () => envReadAt, restartNeeded: () => restartNeeded, pending: pendingSettings(runtime, io), instance: stateInstance(state), channelStatus: () => [whatsappView.view()], command: configuredCommand(io) };
    const app = createHttpApp(appOptions);
    // The channels beside the server core: the OpenAI-compatible API and the web chat page.
    app.route("/", openAiRoutes({ port: runtime.port, logger, stop }));
    app.route("/", webChatRoutes({ assetsDir: defaultWebAssetsDir() }));
    // Proxy-mode requests the middleware would pass quietly are served before Hono (proxy-front.ts).
    const front = proxyFront({ routes: openAiFront({ port: runtime.port, logger, stop }), admits: frontGate(appOptions), logger });
    server = await serveHttp({ app, front, logger, host: listen.bind, port: listen.port, headersTimeoutMs: listen.limits.headersTimeoutSeconds * 1000, requestTimeoutMs: listen.limits.requestTimeoutSeconds * 1000 }).catch((error: NodeJS.ErrnoException) => {
      throw new HearthError("runtime", `cannot listen on ${listen.bind}:${listen.port}: ${error.code === "EADDRINUSE" ? `the port is in use (is a gateway already running? \`${commandLine(io, "gateway status")}\`)` : error.message}`, ["fix: stop what uses the port, or choose another with --port or gateway.port"]);
    });
  } catch (error) {
    signals.close();
    process.off("unhandledRejection", stray);
    await runtime.close();
    await held.release();
    logger.error({ err: isHearthError(error) ? error.message : error }, "the gateway did not start");
    log.close();
    keepRunning();
    throw error;
  }
  // Listening: the start's check of the model servers begins (it never holds /health back).
  const setupChecked = runtime.firstSetupCheck();

  // HEARTH_LOOP_LAG=1 (benchmarks): the event loop's delay from here on, printed when the gateway stops.
  const loopLag = io.env.HEARTH_LOOP_LAG ? monitorEventLoopDelay({ resolution: 10 }) : undefined;
  loopLag?.enable();
  // The histogram holds each 10 ms sampling timer's whole interval: the delay is what exceeds it.
  const lagLine = (histogram: IntervalHistogram): string => {
    const ms = (ns: number): string => Math.max(0, ns / 1e6 - 10).toFixed(2);
    return `event-loop delay: p50 ${ms(histogram.percentile(50))} ms, p99 ${ms(histogram.percentile(99))} ms, max ${ms(histogram.max)} ms`;
  };
  // SIGUSR2 (benchmarks): the delay so far, then a fresh count (a benchmark measures its busy spell alone).
  const lagMark = (): void => {
    if (!loopLag) return;
    writeLine(io.stdout, lagLine(loopLag));
    loopLag.reset();
  };
  if (loopLag) process.on("SIGUSR2", lagMark);
  const loaded = runtime.loaded();
  const whatsapp = new WhatsAppRunner({ io, port: runtime.port, stateDir: state, logger, onQr: whatsappView.onQr });
  // Watching from before the gateway says it is up: an edit (a deletion, a file that appears) made
  // once a client sees it is never missed. A reload waits its debounce, after WhatsApp's start is queued.
  const configFile = loaded.location.file;
  if (!loaded.source) mkdirSync(dirname(configFile), { recursive: true });
  // gateway.env too: a reload reads the `${VAR}`s the environment does not set from it (a key rotated there is used at once).
  const envFile = serviceEnvFile(io.env);
  const watcher = watchConfigFile({
    files: [configFile, ...(envFile ? [envFile] : [])],
    onChange: () =>
      void reload({ io, runtime, logger, whatsapp, started: { gateway: loaded.config.gateway, flags: { port: options.port, bind: options.bind }, url: server.url }, onRestartNeeds: (needs) => (restartNeeded = needs) }).then((loaded) => {
        if (loaded && !io.env[SERVICE_MARKER]) envReadAt = Date.now();
      }),
    onError: (error) => logger.warn({ err: error.message, file: configFile }, "cannot watch the config file: edits need a restart"),
  });
  // Where it listens, for `gateway status` (a `--port` the config does not know): a state dir it cannot write into is only logged.
  // The --port/--bind it was started with (none: the config's address then), for `gateway status` to say why it listens elsewhere.
  const flags = [...(options.port !== undefined ? [`--port ${options.port}`] : []), ...(options.bind !== undefined ? [`--bind ${options.bind}`] : [])];
  const listening = { url: server.url, pid: process.pid, startedAt, flags };
  try {
    held.listening(server.url);
    recordListening(state, listening);
  } catch (error) {
    logger.warn({ err: error instanceof Error ? error.message : String(error) }, "cannot record where the gateway listens: `gateway status` asks where the config says");
  }
  // The first stop signal, from now on (one that came already is kept by the queue).
  const stopSignal = signals.next();
  // The setup lines below say what the start's check of the model servers found (begun once the gateway listened).
  // A stop asked for meanwhile does not wait for it: the banner follows with what is known, then the stop.
  await Promise.race([setupChecked, stopSignal]);
  logger.info({ url: server.url, config: loaded.source ? loaded.location.file : null, version: VERSION }, "gateway started");
  const banner = listenBanner({ bind, port: server.port, url: server.url });
  writeLine(io.stdout, `hearth gateway ${VERSION}: web chat at ${banner.url}/`);
  if (banner.network) writeLine(io.stdout, banner.network);
  const problems = runtime.port.setupProblems();
  writeLine(io.stdout, configLine({ loaded, problems, defaultWords: defaultConfigWords(defaultLocalBaseUrl(io.env)), initCommand: commandLine(io, "init") }));
  writeLine(io.stdout, `log: ${logFile}`);
  printSetup(io, problems);
  for (const problem of problems) logger.warn({ problem }, "setup");
  const unsubscribe = runtime.port.subscribe((event) => {
    if (event.type === "turn-event" && event.event.type === "attempt-waiting") {
      // A server that took a request and says nothing: the operator hears it whichever channel waits (an HTTP client only when it streams).
      const models = runtime.port.catalogue().models;
      const line = `session ${event.session}: ${waitingNotice(event.event, { aliasOf: (ref) => models.find((model) => model.ref === ref)?.alias })}`;
      logger.warn({ session: event.session, model: event.event.model, waitedMs: event.event.waitedMs }, line);
      writeLine(io.stdout, terminalSafe(line));
      return;
    }
    if (event.type === "turn-event" && event.event.type === "attempt-queued") {
      const line = `session ${event.session}: ${queuedNotice(event.event)}`;
      const { type: _type, ...load } = event.event;
      logger.info({ session: event.session, ...load }, line);
      writeLine(io.stdout, terminalSafe(line));
      return;
    }
    if (event.type !== "setup") return;
    for (const problem of event.problems) logger.warn({ problem }, "setup");
    if (event.problems.length === 0) logger.info({}, "setup complete: a model answers");
    printSetup(io, event.problems);
  });

  // WhatsApp, when enabled (at start or by a reload): Baileys is loaded only then.
  await whatsapp.apply(loaded.config, "start");

  // A process that runs for weeks gives memory back when it goes quiet.
  const idleMemory = new IdleMemoryRelease({
    // The start-up's garbage goes at the first quiet spell too (8 s into it), however little the heap grew after.
    releaseStartUp: true,
    dropCaches: () => runtime.releaseMemory(),
    onRelease: ({ heapBefore, heapAfter, ms }) => logger.debug({ heapBeforeMb: Math.round(heapBefore / 2 ** 20), heapAfterMb: Math.round(heapAfter / 2 ** 20), ms: Math.round(ms) }, "idle: memory given back"),
  });
  idleMemory.start();
  // After the release has measured the young generation's size at rest: what this allocates is start-up garbage it collects (idle-memory.ts).
  prepareFirstRequest(runtime, logger);

  const signal = await stopSignal;
  // First of all: no new request on any connection (a 503 with Connection: close), no new turn; event streams end with a `stopping` event.
  runtime.stopAccepting();
  shutdown.abort();
  const inFlight = stop.counts;
  logger.info({ signal, ...inFlight }, "stopping: no new requests; waiting for turns and proxied answers in flight");
  writeLine(io.stdout, inFlight.turns + inFlight.proxied > 0 ? `${signal}: stopping; ${workWords(inFlight)} in flight ${inFlight.turns + inFlight.proxied === 1 ? "finishes" : "finish"} first (up to ${DRAIN_MS / 1000} s)` : `${signal}: stopping; nothing in flight`);
  const stopRecording = recordDraining({ stateDir: state, record: listening, stop, onError: (message) => logger.warn({ err: message }, "cannot record that the gateway is stopping: `gateway status` may call it not running") });
  watcher.close();
  unsubscribe();
  idleMemory.stop();
  await whatsapp.stop();
  const closing = server.close();
  const forced = signals.next().then((again) => {
    logger.warn({ signal: again }, "second signal: stopping now");
    writeLine(io.stdout, `${again} again: stopping now (messages are saved; unanswered ones can be resent with /retry)`);
    return false;
  });
  // Requests in flight (proxy mode's too, which no turn holds) end before the runtime closes the
  // model servers' connections under them; the turns finish meanwhile.
  const closed = closing.then(() => runtime.close());
  const drained = await Promise.race([closed.then(() => true), delay(DRAIN_MS).then(() => false), forced]);
  let cancelled: StopCounts = { turns: 0, proxied: 0 };
  if (!drained) {
    logger.warn({}, "stopping with turns or requests still running: cancelling them (messages whose turn began are saved, and web chat and WhatsApp messages still waiting; API requests still waiting are dropped)");
    // Cut with GatewayStopping: each API stream ends with an error event saying the gateway stops, and its end; then the connections go.
    cancelled = runtime.abortTurns();
    await Promise.race([closed, delay(5_000)]);
  }
  server.closeAll();
  stopRecording();
  forgetListening(state, process.pid);
  await held.release();
  signals.close();
  process.off("unhandledRejection", stray);
  logger.info({ drained, cancelled }, "gateway stopped");
  log.close();
  keepRunning();
  if (loopLag) {
    loopLag.disable();
    process.off("SIGUSR2", lagMark);
    writeLine(io.stdout, lagLine(loopLag));
  }
  writeLine(io.stdout, stoppedLine(cancelled, runtime.keptForNextStart()));
  return 0;
}

/** The last line of a stop: what was cut, and the waiting messages kept (the next start saves them to their conversations, unanswered). */
function stoppedLine(cancelled: StopCounts, kept: number): string {
  const said = [...(cancelled.turns + cancelled.proxied > 0 ? [`${workWords(cancelled)} cancelled`] : []), ...(kept > 0 ? [`${kept} waiting message${kept === 1 ? "" : "s"} kept: the next start saves ${kept === 1 ? "it" : "them"} to ${kept === 1 ? "its conversation" : "their conversations"}, unanswered`] : [])];
  return said.length > 0 ? `stopped (${said.join("; ")})` : "stopped";
}

/** Reads the config again (and gateway.env's variables with it); when the new config serves, the gateway settings in it that need a restart. */
async function reload(context: { io: CliIo; runtime: GatewayRuntime; logger: GatewayLog["logger"]; whatsapp: WhatsAppRunner; started: StartedGateway; onRestartNeeds: (needs: RestartNeed[]) => void }): Promise<boolean> {
  const { io, runtime, logger, whatsapp } = context;
  const before = runtime.loaded().config.gateway;
  try {
    await runtime.reload();
  } catch (error) {
    if (!isHearthError(error)) throw error;
    logger.warn({ problem: error.message, details: error.details }, "config reload failed: the old config keeps serving");
    writeLine(io.stderr, `hearth: config reload failed, the old config keeps serving: ${error.message}`);
    for (const line of error.details) writeLine(io.stderr, `  ${line}`);
    return false;
  }
  prepareFirstRequest(runtime, logger);
  const after = runtime.loaded().config.gateway;
  // Said on /health before "config reloaded" is: whoever sees that line and asks `gateway status` hears of it.
  const restartNeeded = restartNeeds(context.started, after);
  context.onRestartNeeds(restartNeeded);
  logger.info({}, "config reloaded");
  writeLine(io.stdout, "config reloaded");
  // Said when this edit changed the gateway section (an edit elsewhere leaves what was said standing).
  if (JSON.stringify(before) !== JSON.stringify(after)) {
    for (const need of restartNeeded) {
      logger.warn({ key: need.key, change: need.change }, `restart needed: ${restartNeedLine(need)}`);
      writeLine(io.stderr, `hearth: restart needed: ${restartNeedLine(need)} (the rest of the config is in use)`);
    }
    if (restartNeeded.length === 0) writeLine(io.stdout, "the gateway section is back to what the gateway started with: no restart needed");
  }
  try {
    await whatsapp.apply(runtime.loaded().config, "reload");
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    logger.warn({ channel: "whatsapp", err: message }, "could not start WhatsApp after the reload");
    writeLine(io.stderr, `hearth: whatsapp: could not start: ${message}`);
  }
  return true;
}

/**
 * What the first request would make on first use (the catalogue, the tools' schemas, the chains'
 * adapters) is made now, in the background, once the gateway listens and after each reload: that
 * request costs what the next ones do (t15 #10: 3–4.6 s, then 0.1 s). Logged at debug.
 */
function prepareFirstRequest(runtime: GatewayRuntime, logger: GatewayLog["logger"]): void {
  const started = performance.now();
  void runtime.prepare().then(
    (prepared) => logger.debug({ ...prepared, ms: Math.round(performance.now() - started) }, "made ahead what the first request needs"),
    // Whatever failed here fails that request too, which says it: the log keeps the first word of it.
    (error: unknown) => logger.warn({ err: error instanceof Error ? error.message : String(error) }, "could not make ahead what the first request needs: it makes it itself"),
  );
}

/** The gateway settings of the config as loaded last (since a reload: applied at the next restart), and how this gateway is restarted: a refusal whose fix is already in the config says so. */
function pendingSettings(runtime: GatewayRuntime, io: CliIo): PendingSettings {
  return {
    configured: () => {
      const gateway = runtime.loaded().config.gateway;
      return { corsOrigins: gateway.cors.origins, allowedHosts: gateway.allowedHosts, token: gateway.auth.token, maxBodyBytes: gateway.limits.maxBodyBytes, maxEventSubscribers: gateway.limits.maxEventSubscribers };
    },
    // `gateway restart` restarts the installed service; a gateway run in a terminal is stopped and started again there.
    restartHow: io.env[SERVICE_MARKER] ? `\`${commandLine(io, "gateway restart")}\`` : "stop the gateway and start it again",
  };
}

function printSetup(io: CliIo, problems: readonly string[]): void {
  if (problems.length === 0) writeLine(io.stdout, "ready: a model answers");
  for (const problem of problems) writeLine(io.stdout, `needs setup: ${problem}`);
}

/**
 * The banner's config line. With no file, what runs instead and the command that writes one — unless
 * the setup lines printed just below say exactly that (the missing file is one of them while no model
 * answers): then only where the file would be, so the terminal does not say the same sentence twice.
 */
function configLine(options: { loaded: { source?: unknown; location: { file: string } }; problems: readonly string[]; defaultWords: string; initCommand: string }): string {
  const { loaded, problems } = options;
  if (loaded.source) return `config: ${loaded.location.file}`;
  if (problems.some((problem) => saysRunningOnDefault(problem, loaded.location.file))) return `config: none yet at ${loaded.location.file}`;
  return `config: none yet at ${loaded.location.file}: running on the built-in default (${options.defaultWords}); \`${options.initCommand}\` writes one to edit`;
}

/** Where to listen: flags over the config; any address but loopback needs a token. */
function listenAddress(runtime: GatewayRuntime, options: GatewayCommandOptions) {
  const gateway = runtime.loaded().config.gateway;
  const port = options.port === undefined ? gateway.port : Number(options.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new HearthError("usage", `--port: "${options.port ?? ""}" is not a port number (0–65535; 0 picks a free one)`);
  const bind = options.bind ?? gateway.bind;
  const token = gateway.auth.token;
  if (!isLoopback(bind) && token === undefined) {
    const refusal = openBindRefusal(bind);
    throw new HearthError("usage", refusal.message, refusal.fixes);
  }
  return { port, bind, token, limits: gateway.limits, corsOrigins: gateway.cors.origins, allowedHosts: gateway.allowedHosts };
}

/**
 * SIGTERM and SIGINT, one at a time: the first stops the gateway gently, a second at once. Taken from
 * its creation on: a signal nobody waits for yet is kept for the next `next()` (never lost, never Node's
 * default end).
 */
function signalQueue(): { next(): Promise<NodeJS.Signals>; close(): void } {
  const waiting: ((signal: NodeJS.Signals) => void)[] = [];
  const arrived: NodeJS.Signals[] = [];
  const onSignal = (signal: NodeJS.Signals): void => {
    const waiter = waiting.shift();
    if (waiter) waiter(signal);
    else arrived.push(signal);
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
  return {
    next: () => {
      const signal = arrived.shift();
      return signal !== undefined ? Promise.resolve(signal) : new Promise((resolve) => waiting.push(resolve));
    },
    close: () => {
      process.off("SIGTERM", onSignal);
      process.off("SIGINT", onSignal);
    },
  };
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
