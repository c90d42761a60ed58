import { gatewayUrl } from "../../config/gateway-address.js";
import { listenFlags, serviceTarget } from "../../ops/gateway-service-target.js";
import { answeringRecord } from "../../ops/gateway-listening.js";
import { healthOwnership } from "../../ops/gateway-health.js";
import { HearthError } from "../../shared/errors.js";
import { restartService, serviceFile } from "../gateway/service.js";
import { configuredAddress } from "../gateway/config-address.js";
import { healthAt, restartWords, serviceState, type HealthSeen } from "../gateway/service-checks.js";
import { commandLine, writeJson, writeLine, type CliIo, type GlobalOptions } from "../io.js";
import { runningService, serviceHost, thisBin } from "./gateway-service.js";
import { lastServiceLines, otherAnswer, serviceLogs, thisState, watchService } from "./gateway-service-watch.js";

/** How many of the last lines of each log a service that did not come back is shown with. */
const LAST_LINES = 10;

/**
 * `hearth gateway restart`: restarts the installed service — so that it runs with its unit or plist
 * and gateway.env as they are now — and waits until the new process (this state dir's gateway,
 * started since, the process its manager runs) answers `/health`, as install does. Exit 0 once it
 * answers; 1 when no service is installed, or when it does not come back (its manager's state and
 * the last lines of its logs said).
 */
export async function gatewayRestart(io: CliIo, options: GlobalOptions): Promise<number> {
  const host = serviceHost(io, options);
  const { manager, file } = serviceFile(host);
  const target = serviceTarget({ manager, file }, { bin: thisBin(), command: io.command });
  if (target === undefined) {
    // A gateway of this state dir started by hand (its record, and its /health naming this state dir): no manager restarts it, the user does, where it runs.
    const state = thisState(io);
    const ours = async (url: string): Promise<HealthSeen | undefined> => {
      const seen = await healthAt(url, 1_000);
      return seen.kind === "hearth" && healthOwnership(seen.health, state.instance) === "ours" ? seen : undefined;
    };
    const byHand = await answeringRecord(state.dir, { ours });
    if (byHand)
      throw new HearthError("runtime", `no gateway service is installed (${file} does not exist): the gateway running at ${byHand.url}/ (pid ${byHand.pid}) was started by hand, not by a service`, [
        `fix: stop it with Ctrl+C in the terminal where it runs (or \`kill ${byHand.pid}\`), then start it again as you started it (\`${commandLine(io, "gateway")}\` with its --port/--bind); or \`${commandLine(io, "gateway install")}\` once it stopped, for a service that restart restarts`,
      ]);
    throw new HearthError("runtime", `no gateway service is installed (${file} does not exist): nothing to restart`, [
      `fix: \`${commandLine(io, "gateway install")}\` installs and starts it (it then starts with your session), or run \`${commandLine(io, "gateway")}\` in a terminal`,
    ]);
  }
  // Where the service listens: its own --port/--bind, else the config's (read as status reads it: a config that does not load does not stop a restart).
  const configured = configuredAddress(io, options);
  const address = { bind: target.listen.bind ?? configured.bind, port: target.listen.port ?? configured.port };
  const url = gatewayUrl(address);
  const state = thisState(io);
  const running = address.port === 0 ? undefined : await runningService({ host, url, port: address.port, state });
  const restartedAt = Date.now();
  const report = await restartService(host, running);
  const { outcome, seen, owner } = await watchService({ host, manager, url, port: address.port, state, restartedAt });
  const other = otherAnswer(seen, { url, owner, state, before: "restart" });
  if (outcome.state === "answers" || address.port === 0) {
    const health = seen.kind === "hearth" ? seen.health : undefined;
    const where = address.port === 0 ? `it listens on a port chosen at its start (--port 0), which cannot be asked: \`${commandLine(io, "logs")}\` says which` : `the gateway answers at ${url}/${health?.version ? ` (version ${health.version})` : ""}`;
    if (options.json) writeJson(io, { ...report, url: `${url}/`, started: outcome.state });
    else {
      for (const action of report.actions) writeLine(io.stdout, action);
      writeLine(io.stdout, `restarted the ${manager} service: ${where}`);
    }
    return 0;
  }
  const [said, lines] = await Promise.all([serviceState({ manager, uid: host.uid, run: host.run }), lastServiceLines(io, { host, manager, count: LAST_LINES })]);
  const why = outcome.state === "exited" ? `it exits at once (${outcome.seen}); ${restartWords(manager, outcome)}` : `it did not answer at ${url}/health within 15 s${said ? ` (${said})` : ""}`;
  // --json: the error is the one document (its details carry the same lines).
  if (!options.json) for (const action of report.actions) writeLine(io.stdout, action);
  throw new HearthError("runtime", `the gateway service did not come back after the restart: ${why}${other ? `; ${other}` : ""}`, [
    ...lines.flatMap(({ source, lines: shown }) => [`last lines of ${source}:`, ...shown.map((line) => `  ${line}`)]),
    `its log: ${serviceLogs(manager, host.logDir).join(", ")}`,
    `fix: \`${commandLine(io, `gateway${listenFlags(target.listen)}`)}\` in a terminal shows the error; once fixed, \`${commandLine(io, "gateway restart")}\` (or \`${commandLine(io, "gateway uninstall")}\`)`,
  ]);
}
