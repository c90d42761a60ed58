import { basename } from "node:path";
import type { HttpClient } from "../../ai/http/http-client.js";
import { agentSpec, type AgentSpec } from "../../agent/agent-spec.js";
import { conversationView } from "../../agent/build-context.js";
import { PROCESS_FILES } from "../../agent/tools/exec/check-secrets.js";
import { homeCredentialPlaces, homeFolders } from "../../agent/tools/exec/guarded-places.js";
import { execSandboxStatus, SandboxProbe } from "../../agent/tools/exec/sandbox.js";
import { execWorkingDirectory, refusedWorkingDirectory } from "../../agent/tools/exec/working-directory.js";
import { EXEC_DEFAULTS } from "../../agent/tools/exec.js";
import { policyFor } from "../../agent/tools/registry.js";
import type { HearthConfig } from "../../config/schema/index.js";
import type { ResolvedModels } from "../../models/resolve.js";
import { LoadState } from "../../models/load-state.js";
import { ServedWindows } from "../../models/served-windows.js";
import { systemClock } from "../../shared/clock.js";
import { JsonlSessionStore } from "../../sessions/jsonl-session-store.js";
import { auditFindings, type AuditedAgent, type AuditFacts, type ExecConfinement } from "./config-checks.js";
import { bySeverity, type Finding } from "./finding.js";
import { modelSize, type ModelSize } from "./model-size.js";
import { reportedSize } from "./server-facts.js";
import { channelOf } from "../session-channel.js";
import type { ChannelId } from "../../gateway/port.js";
import { REASONING_SHOWN } from "../../gateway/reasoning-shown.js";
import { guardedPaths } from "../guarded-paths.js";
import { openGatewayFindings, openGateways, type OpenGateway } from "./running-gateway.js";

export interface AuditInput {
  /** The validated config and its models; undefined when the config does not load (`configProblem` says why). */
  loaded: { config: HearthConfig; resolved: ResolvedModels } | undefined;
  /** Why the config does not load: the agents, their models and tools cannot be judged; the rest (the file as written, file modes, sessions) still is. */
  configProblem?: { message: string; details: readonly string[] } | undefined;
  /** The config as written (before `${VAR}` substitution); {} when there is no file (or it is not JSON5). */
  raw: Record<string, unknown>;
  configFile: string | undefined;
  stateDir: string;
  /** `~/.hearth/gateway.env` (the service's keys and gateway token), when there is a home. */
  envFile?: string | undefined;
  http: HttpClient;
  /** Confines exec on this machine? (injected by tests; default: a real probe). */
  sandboxProbe?: SandboxProbe | undefined;
  /** The running gateways of the state dir that listen beyond loopback (injected by tests; default: asked, as `gateway status` finds them). */
  openGateways?: readonly OpenGateway[] | undefined;
}

export interface AuditReport {
  findings: Finding[];
  /** Per local model: what its size was judged from. */
  models: { ref: string; totalB: number | null; activeB: number | null; quantization: string | null; source: string }[];
}


export function auditedAgents(config: HearthConfig, resolved: ResolvedModels): AgentSpec[] {
  return ["main", ...config.agents.list.map((agent) => agent.id).filter((id) => id !== "main")].map((id) => agentSpec(config, resolved, id));
}

function asAudited(spec: AgentSpec): AuditedAgent {
  return {
    id: spec.id,
    chain: spec.chain,
    tools: policyFor(spec.tools),
    toolsChosen: spec.tools?.allow !== undefined,
    compaction: spec.compaction.enabled,
    execSandbox: spec.tools?.exec?.sandbox ?? EXEC_DEFAULTS.sandbox,
    execCwd: spec.tools?.exec?.cwd,
    execCommands: spec.tools?.exec?.commands,
    fetchesPrivate: spec.tools?.web_fetch?.allowPrivateNetwork === true,
  };
}

/**
 * Channels whose readers are you alone: the terminal, and the web chat — served on loopback, or beyond
 * it only with the gateway's token, whose holder reads every conversation whole (reasoning adds nothing
 * to what they can see; a page of another origin let in without a token is gateway-cors-no-token's).
 */
const YOURS_ALONE: ReadonlySet<ChannelId> = new Set(["cli", "webchat"]);

/**
 * Whether a session's reasoning reaches people other than you on its channel: where the channel shows
 * it at all (WhatsApp never sends it: REASONING_SHOWN) and others read it — the API's clients, which
 * may keep or pass on what they are sent.
 */
function readByOthers(channel: ChannelId): boolean {
  return REASONING_SHOWN[channel] !== "never" && !YOURS_ALONE.has(channel);
}

/** Sessions with `/reasoning on` whose channel shows it to people other than you (readByOthers). */
async function reasoningShown(stateDir: string): Promise<{ session: string; channel: string }[]> {
  const store = new JsonlSessionStore(stateDir);
  let sessions: string[];
  try {
    sessions = await store.keys();
  } catch {
    return [];
  }
  const shown: { session: string; channel: string }[] = [];
  for (const session of sessions) {
    const channel = channelOf(session);
    if (!readByOthers(channel)) continue;
    try {
      if (conversationView((await store.read(session)).entries).reasoning) shown.push({ session, channel });
    } catch {
      // A session that cannot be read says nothing about what it shows; `hearth sessions` reports it.
    }
  }
  return shown;
}

/** Gathers the facts (config, the local servers' own model facts, file modes, sessions, the sandbox) and decides the findings. */
export async function securityAudit(input: AuditInput): Promise<AuditReport> {
  const agents = input.loaded ? auditedAgents(input.loaded.config, input.loaded.resolved).map(asAudited) : [];
  const sizes = new Map<string, ModelSize>();
  const noTools = new Set<string>();
  // LM Studio's own listing says whether a model was trained for tool use, as it does for a turn.
  const windows = new ServedWindows(input.http, new LoadState(input.http, systemClock));
  const locals = new Map(agents.flatMap((agent) => agent.chain.filter((model) => model.local).map((model) => [model.ref, model] as const)));
  await Promise.all(
    [...locals.values()].map(async (model) => {
      const reported = await reportedSize(input.http, model);
      sizes.set(model.ref, modelSize(model.id, reported ?? {}));
      // A turn gives no tools to a model whose server says its chat template cannot render them.
      await windows.refresh(model);
      if (windows.toolsUsable(model) === false) noTools.add(model.ref);
    }),
  );
  const sandbox = new Map<string, ExecConfinement>();
  const probe = input.sandboxProbe ?? new SandboxProbe();
  for (const agent of agents.filter((entry) => entry.tools.has("exec"))) {
    sandbox.set(agent.id, await execConfinement(agent, { probe, stateDir: input.stateDir, hiddenFiles: [input.configFile, input.envFile].filter((file): file is string => file !== undefined) }));
  }
  const files = guardedPaths({ configFile: input.configFile, stateDir: input.stateDir, envFile: input.envFile });
  // The config says where a gateway would listen; a running one may listen elsewhere (its --bind), and is what is exposed now.
  const open = input.openGateways ?? (await openGateways(input.http, input.stateDir));
  const facts: AuditFacts = { agents, raw: input.raw, sizes, noTools, sandbox, files, reasoningShown: await reasoningShown(input.stateDir), openGateways: open };
  return {
    findings: [...(input.configProblem ? [unloadable(input.configProblem, input.configFile)] : []), ...openGatewayFindings(open), ...auditFindings(facts)].sort(bySeverity),
    models: [...sizes].map(([ref, size]) => ({ ref, totalB: size.totalB ?? null, activeB: size.activeB ?? null, quantization: size.quantization ?? null, source: size.source })),
  };
}

/**
 * How exec is confined for one agent, worded from the decisions exec itself makes: the sandbox this
 * machine offers, and whether the agent's working directory is refused (inside the state dir, say),
 * in which case every call is.
 */
async function execConfinement(agent: AuditedAgent, where: { probe: SandboxProbe; stateDir: string; hiddenFiles: readonly string[] }): Promise<ExecConfinement> {
  const found = await execSandboxStatus(agent.execSandbox, where.probe);
  const status: ExecConfinement = found.sandboxed ? found : { ...found, here: await sandboxHere(where.probe) };
  const refusal = await refusedWorkingDirectory({
    cwd: execWorkingDirectory(where.stateDir, agent.execCwd),
    stateDir: where.stateDir,
    places: [...where.hiddenFiles, PROCESS_FILES],
    otherPlaces: homeFolders().flatMap(homeCredentialPlaces),
    sandboxed: status.sandboxed,
  });
  if (refusal) return { ...status, summary: `every exec call of this agent is refused: ${refusal.reason}` };
  return status.sandboxed ? status : { ...status, summary: `${status.summary}${await unconfinedNote(agent.execCommands ?? [])}` };
}

/**
 * With no sandbox: the agent's programs whose writes exec cannot tell (check-arguments.ts writesUnknown:
 * unzip, patch, cpio, an interpreter), which the guard confines only as far as their arguments and the
 * links they leave show.
 */
async function unconfinedNote(commands: readonly string[]): Promise<string> {
  const { writesUnknown } = await import("../../agent/tools/exec/check-arguments.js");
  const unknown = commands.filter((command) => writesUnknown(basename(command)));
  if (unknown.length === 0) return "";
  return `; but of its commands, exec cannot tell what ${unknown.join(", ")} write${unknown.length === 1 ? "s" : ""} (the input decides: an archive's members, a patch's files, a script's code): it judges ${unknown.length === 1 ? "its" : "their"} arguments, runs ${unknown.length === 1 ? "it" : "them"} only while no link leads out of the working directory and removes any link ${unknown.length === 1 ? "it makes" : "they make"} that leads out, yet a name inside the input (cpio's ../x, a script's open()) can still write outside the working directory: not confined without the sandbox`;
}

/**
 * What this machine offers exec, asked of the probe exec itself uses (once per audit) — also where the
 * config turned the sandbox off: the remedy is to turn on a bubblewrap that works here, not to install it.
 */
async function sandboxHere(probe: SandboxProbe): Promise<ExecConfinement["here"]> {
  const support = await probe.support();
  if (support.kind === "bwrap") return { works: "bubblewrap" };
  if (support.kind === "sandbox-exec") return { works: "sandbox-exec" };
  // Linux's bubblewrap can be installed (or its user namespaces allowed), macOS's sandbox-exec is there; elsewhere hearth knows none.
  return { none: support.reason, canInstall: process.platform === "linux" || process.platform === "darwin" };
}

/** A config that does not load: what the audit could not judge, high because its answer is incomplete. */
function unloadable(problem: { message: string; details: readonly string[] }, file: string | undefined): Finding {
  const lines = problem.details.map((line) => line.trim());
  const fix = lines.find((line) => line.startsWith("fix: "));
  return {
    id: "config-unloadable",
    severity: "high",
    title: "the config does not load: its agents, their models and tools were not audited",
    detail: [problem.message, ...lines.filter((line) => line !== "" && !line.startsWith("fix: "))].join(" "),
    remediation: fix?.slice("fix: ".length) ?? `correct ${file ?? "the config"} as the problems say (\`hearth config validate\` checks it), then audit again`,
  };
}
