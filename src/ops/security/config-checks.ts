import { variablePlace } from "../../models/key-advice.js";
import { record } from "../../ai/json-fields.js";
import type { ModelSpec } from "../../ai/model-spec.js";
import { formatBillions } from "../build-judgement.js";
import { isSecretPath } from "../../config/secret-paths.js";
import { isPlaceholderKey } from "../../shared/placeholder-keys.js";
import { isLocalUrl } from "../../models/is-local.js";
import { urlSecrets } from "../../shared/secret-redactor.js";
import type { Finding } from "./finding.js";
import { isHeavilyQuantized, isSmall, type ModelSize } from "./model-size.js";
import { GATEWAY_TOKEN_ADVICE } from "../gateway-token-advice.js";
import { judgePermissions, type GuardedPath } from "../file-permissions.js";
import type { OpenGateway } from "./running-gateway.js";

/** One agent as the audit sees it: its chain, the tools it may call, compaction. */
export interface AuditedAgent {
  id: string;
  chain: readonly ModelSpec[];
  tools: ReadonlySet<string>;
  /** `tools.allow` was written: the tool set was chosen, not inherited. */
  toolsChosen: boolean;
  compaction: boolean;
  execSandbox: "auto" | "require" | "off";
  /** `tools.exec.cwd` as written (relative to the state dir), undefined for the default workspace. */
  execCwd?: string | undefined;
  /** `tools.exec.commands` as written. */
  execCommands?: readonly string[] | undefined;
  /** `tools.web_fetch.allowPrivateNetwork`: fetched pages may be this machine's and the local network's. */
  fetchesPrivate?: boolean | undefined;
}

/** Everything the findings are decided from; gathered by `gatherAuditFacts`, decided here without I/O. */
export interface AuditFacts {
  agents: readonly AuditedAgent[];
  /** The config as written, before `${VAR}` substitution (lenient reads of sections this build may not validate). */
  raw: Record<string, unknown>;
  /** Size facts of every local model in a chain. */
  sizes: ReadonlyMap<string, ModelSize>;
  /** Local models shown no tools: their server says the chat template cannot render them. */
  noTools: ReadonlySet<string>;
  /** How exec is confined on this machine, per agent with exec. */
  sandbox: ReadonlyMap<string, ExecConfinement>;
  /** The config, state dir, gateway.env and the directories on the way to them (guardedPaths). */
  files: readonly GuardedPath[];
  /** Sessions whose reasoning is on, of a channel where people other than you may read it (see readByOthers in audit.ts). */
  reasoningShown: readonly { session: string; channel: string }[];
  /** Running gateways of the state dir listening beyond loopback (their own findings say them: see running-gateway.ts). */
  openGateways?: readonly OpenGateway[] | undefined;
}

/** How exec is confined for one agent (its summary worded as exec decides), and what this machine offers where it is not. */
export interface ExecConfinement {
  sandboxed: boolean;
  summary: string;
  /** Not sandboxed: the OS sandbox that works here all the same (the config turned it off), or why there is none and whether one can be set up. */
  here?: { works: "bubblewrap" | "sandbox-exec" } | { none: string; canInstall: boolean } | undefined;
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|\[::1\]|localhost)$/i;
const RISKY_TOOLS = ["exec", "web_fetch"] as const;

/**
 * The channels section, read leniently: `channels.whatsapp.{enabled, dmPolicy, allowFrom, agent}` and
 * the groups answered (`groups.allow` when `groups.enabled`; none otherwise).
 */
function whatsapp(raw: Record<string, unknown>): { enabled: boolean; dmPolicy: string | undefined; allowFrom: readonly unknown[]; agent: string; groups: readonly unknown[] } | undefined {
  const section = record(record(raw.channels).whatsapp);
  if (Object.keys(section).length === 0 || section.enabled === false) return undefined;
  const groups = record(section.groups);
  return {
    enabled: true,
    dmPolicy: typeof section.dmPolicy === "string" ? section.dmPolicy : undefined,
    allowFrom: Array.isArray(section.allowFrom) ? section.allowFrom : [],
    agent: typeof section.agent === "string" ? section.agent : "main",
    groups: groups.enabled === true && Array.isArray(groups.allow) ? groups.allow : [],
  };
}

/** "1 WhatsApp group", "3 WhatsApp groups". */
function groupCount(groups: readonly unknown[]): string {
  return `${groups.length} WhatsApp group${groups.length === 1 ? "" : "s"}`;
}

/** The gateway section, read leniently: `gateway.{bind, auth.token, cors.origins}`; undefined when the config has none. */
function gateway(raw: Record<string, unknown>): { bind: string; token: boolean; corsOrigins: readonly string[] } | undefined {
  if (raw.gateway === undefined) return undefined;
  const section = record(raw.gateway);
  const token = record(section.auth).token;
  const origins = record(section.cors).origins;
  return {
    bind: typeof section.bind === "string" ? section.bind : "127.0.0.1",
    token: typeof token === "string" && token.length > 0,
    corsOrigins: Array.isArray(origins) ? origins.filter((origin): origin is string => typeof origin === "string") : [],
  };
}

/** Who can reach an agent besides its owner at the terminal: an open WhatsApp, a gateway off loopback. */
function exposures(facts: AuditFacts, agentId: string): string[] {
  const found: string[] = [];
  const chat = whatsapp(facts.raw);
  if (chat && chat.agent === agentId && chat.dmPolicy === "open") found.push("WhatsApp open to anyone");
  else if (chat && chat.agent === agentId && chat.dmPolicy === "pairing" && chat.allowFrom.length === 0) found.push("WhatsApp without an allowlist");
  // A group's members are not on the allowlist: any of them talks to the agent.
  if (chat && chat.agent === agentId && chat.groups.length > 0) found.push(`every member of ${groupCount(chat.groups)}`);
  const server = gateway(facts.raw);
  if (server && !LOOPBACK.test(server.bind)) found.push(`the gateway on ${server.bind}`);
  // Pages of those origins drive the gateway's API, any agent, when no token is asked.
  else if (server && !server.token && server.corsOrigins.length > 0) found.push(`web pages of ${server.corsOrigins.join(", ")} (through the gateway, no token)`);
  // A gateway running open (its --bind) exposes the agents whatever the config says.
  for (const running of facts.openGateways ?? []) if (running.bind !== server?.bind) found.push(`the running gateway on ${running.bind}`);
  return found;
}

function modelFindings(facts: AuditFacts): Finding[] {
  const findings: Finding[] = [];
  for (const agent of facts.agents) {
    const open = exposures(facts, agent.id);
    for (const model of agent.chain) {
      const size = facts.sizes.get(model.ref);
      if (!size || !model.local) continue;
      // The agent's tools reach the model only where its template can render them.
      const risky = facts.noTools.has(model.ref) ? [] : RISKY_TOOLS.filter((tool) => agent.tools.has(tool));
      const small = isSmall(size);
      const heavy = isHeavilyQuantized(size);
      if (!small && !heavy) continue;
      const what = [
        small ? (size.totalB !== undefined ? `${formatBillions(size.totalB)} parameters${size.activeB !== undefined ? ` (${formatBillions(size.activeB)} active; judged by the total)` : ""}` : "a small variant by its name") : undefined,
        heavy ? `${size.quantization} (about ${size.bits} bits a weight)` : undefined,
      ].filter(Boolean).join(", ");
      const raised = risky.length > 0 || open.length > 0;
      const reasons = [...(risky.length > 0 ? [`it may call ${risky.join(" and ")}`] : []), ...(open.length > 0 ? [`it answers ${open.join(" and ")}`] : [])];
      findings.push({
        id: small ? "model-small" : "model-heavily-quantized",
        severity: raised ? "high" : "medium",
        title: `${model.ref} (agent ${agent.id}) is ${small && heavy ? "small and heavily quantized" : small ? "small" : "heavily quantized"}: ${what}`,
        detail:
          `Per ${size.source === "server" ? "what its server reports" : "its model id"}. Small and heavily quantized checkpoints show weaker safety alignment: they follow instructions planted in pages, messages and tool output more often. No model tier is an injection defence, though; what limits the damage is the tools it holds.` +
          (raised ? ` Rated high because ${reasons.join(" and ")}.` : "") +
          (facts.noTools.has(model.ref) ? " Its server says it cannot use tools (its chat template cannot render them, or it was not trained for them), so hearth gives it none: it can be steered in words, not into a tool call." : ""),
        remediation:
          risky.length > 0
            ? `narrow the tools of agent ${agent.id}: add "tools": { "deny": [${risky.map((tool) => `"${tool}"`).join(", ")}] } (or a short "allow" list), or use a larger, less quantized build (hearth security audit --probe measures how often it follows injections)`
            : `use a larger, less quantized build where you can, and keep its tools narrow (hearth security audit --probe measures how often it follows injections)`,
      });
    }
  }
  return findings;
}

function agentFindings(facts: AuditFacts): Finding[] {
  const findings: Finding[] = [];
  for (const agent of facts.agents) {
    if (!agent.compaction) {
      findings.push({
        id: "compaction-off",
        severity: "low",
        title: `compaction is off for agent ${agent.id}`,
        detail: "A long conversation is then cut from the front without a summary once it fills the window: the turn is still answered, with a note that the oldest turns were left out of what is sent, but what the user said in them (including limits set for the assistant) no longer reaches the model.",
        remediation: `remove "compaction": { "enabled": false } from agent ${agent.id} (on by default)`,
      });
    }
    const open = exposures(facts, agent.id);
    const risky = RISKY_TOOLS.filter((tool) => agent.tools.has(tool));
    if (open.length > 0 && risky.length > 0 && !agent.toolsChosen) {
      findings.push({
        id: "tools-broad",
        severity: "medium",
        title: `agent ${agent.id} answers ${open.join(" and ")} with the default tools (${[...agent.tools].join(", ")})`,
        detail: `Anyone who can message it can steer ${risky.join(" and ")}: ${[
          ...(agent.tools.has("web_fetch") ? ["fetched pages can carry instructions"] : []),
          ...(agent.tools.has("exec") ? ["exec runs commands on this machine"] : []),
        ].join(", and ")}.`,
        remediation: `give agent ${agent.id} only what that channel needs: "tools": { "allow": ["time", "memory"] }`,
      });
    }
    if (agent.tools.has("web_fetch") && agent.fetchesPrivate) {
      findings.push({
        id: "web-fetch-private",
        severity: open.length > 0 ? "high" : "medium",
        title: `agent ${agent.id} may fetch this machine's and the local network's pages (tools.web_fetch.allowPrivateNetwork)${open.length > 0 ? `, and answers ${open.join(" and ")}` : ""}`,
        detail: "A model steered by a page or a message can read what servers on this machine and your network answer without a password (a router's page, a model server's, other services) and send it on with a second fetch. hearth's own gateway is never fetched.",
        remediation: `remove allowPrivateNetwork, or keep it for an agent that answers only you: "deny": ["web_fetch"] for agents that face other people`,
      });
    }
    if (agent.tools.has("exec")) {
      const confinement = facts.sandbox.get(agent.id);
      findings.push({
        id: "exec-enabled",
        severity: confinement?.sandboxed ? "medium" : "high",
        title: `agent ${agent.id} may run commands (exec)${confinement?.sandboxed ? ", sandboxed" : ", not sandboxed"}`,
        detail: `${confinement?.summary ?? "exec's confinement is unknown"}. A model steered by a page or a message can run any of the allowed commands with your user's rights${confinement?.sandboxed ? " inside the sandbox" : ""}.`,
        remediation: confinement?.sandboxed ? `keep tools.exec.commands to what you need; "deny": ["exec"] for agents that face other people` : sandboxRemedy(confinement?.here, agent.execSandbox),
      });
    }
  }
  return findings;
}

function channelFindings(facts: AuditFacts): Finding[] {
  const findings: Finding[] = [];
  const chat = whatsapp(facts.raw);
  if (chat && chat.dmPolicy === "open") {
    findings.push({
      id: "whatsapp-open",
      severity: "high",
      title: "WhatsApp answers anyone (channels.whatsapp.dmPolicy: \"open\")",
      detail: "Any number that writes to the linked account talks to the agent and its tools.",
      remediation: "set channels.whatsapp.dmPolicy to \"allowlist\" and list your numbers in channels.whatsapp.allowFrom",
    });
  } else if (chat && chat.dmPolicy === "pairing" && chat.allowFrom.length === 0) {
    findings.push({
      id: "whatsapp-no-allowlist",
      severity: "medium",
      title: "WhatsApp has no allowlist (channels.whatsapp.allowFrom is empty, dmPolicy \"pairing\")",
      detail: "Any number can ask for a pairing code, and who gets in rests on approvals alone; with \"allowlist\" (the default) and an empty list nobody is answered.",
      remediation: "list your numbers in channels.whatsapp.allowFrom, such as [\"+15551234567\"], and set channels.whatsapp.dmPolicy to \"allowlist\"",
    });
  }
  if (chat && chat.groups.length > 0) findings.push(groupFinding(facts, { agentId: chat.agent, groups: chat.groups }));
  const server = gateway(facts.raw);
  // A running gateway that listens there as the config said has its own finding (with its token and addresses).
  const saidRunning = (facts.openGateways ?? []).some((running) => running.flags !== undefined && !running.flags.some((flag) => flag.startsWith("--bind")) && running.bind === server?.bind);
  if (server && !LOOPBACK.test(server.bind) && !saidRunning) {
    findings.push({
      id: "gateway-not-loopback",
      severity: "high",
      title: `gateway.bind is ${server.bind}, not loopback: the gateway listens there once started with this config`,
      detail: "Other machines on the network can reach it; with a token they still see its port, without one they drive the agent.",
      remediation: "set gateway.bind to \"127.0.0.1\" and reach it from elsewhere through an SSH tunnel or a reverse proxy with TLS",
    });
  }
  if (server && !server.token) {
    findings.push({
      id: "gateway-no-token",
      severity: LOOPBACK.test(server.bind) ? "low" : "high",
      title: "the gateway has no token (gateway.auth.token)",
      detail: "Every program on this machine can send it messages as you (web pages of other origins are refused, those of gateway.cors.origins aside).",
      remediation: `write a token: ${GATEWAY_TOKEN_ADVICE}`,
    });
  }
  if (server && !server.token && server.corsOrigins.length > 0) {
    findings.push({
      id: "gateway-cors-no-token",
      severity: "medium",
      title: `web pages of ${server.corsOrigins.join(", ")} can drive the gateway without a token`,
      detail: "gateway.cors.origins lets those pages call the API; without gateway.auth.token any script they run (a dependency, an injected ad, another app on that port) can run turns with the agent's tools and read every conversation.",
      remediation: `write a token: ${GATEWAY_TOKEN_ADVICE} (the page then sends it), or empty gateway.cors.origins`,
    });
  }
  for (const shown of facts.reasoningShown) {
    findings.push({
      id: "reasoning-visible",
      severity: "low",
      title: `session ${shown.session} shows the model's reasoning on ${shown.channel}`,
      detail: "Reasoning can repeat what the system prompt, notes or fetched pages hold; this channel sends it to readers other than you (the API: to any client that asks for it, which may keep or pass on what it is sent).",
      remediation: `send /reasoning off in that session`,
    });
  }
  return findings;
}

/** Allowed WhatsApp groups: every member, not only `allowFrom`, talks to the agent (with its tools). */
function groupFinding(facts: AuditFacts, chat: { agentId: string; groups: readonly unknown[] }): Finding {
  const agent = facts.agents.find((candidate) => candidate.id === chat.agentId);
  const risky = RISKY_TOOLS.filter((tool) => agent?.tools.has(tool));
  return {
    id: "whatsapp-groups",
    severity: risky.length > 0 ? "medium" : "low",
    title: `every member of ${groupCount(chat.groups)} talks to agent ${chat.agentId}${risky.length > 0 ? ` and its ${risky.join(" and ")}` : ""}, not only the numbers in channels.whatsapp.allowFrom (channels.whatsapp.groups.allow)`,
    detail:
      "Anyone in an allowed group who @-mentions the assistant or replies to one of its messages (any message, with groups.requireMention false) is answered, and their words go to the same session. " +
      "The model is told each speaker's number and whether they are on your allowlist, and one member's lines never read as another's, but a model can still be talked into what they ask.",
    remediation:
      risky.length > 0
        ? `answer WhatsApp with an agent without those tools: "tools": { "deny": [${risky.map((tool) => `"${tool}"`).join(", ")}] } for agent ${chat.agentId} (or point channels.whatsapp.agent at a narrow one), or allow only groups whose every member you trust`
        : "allow only groups whose every member you trust (channels.whatsapp.groups.allow), or set channels.whatsapp.groups.enabled to false",
  };
}

/**
 * Secrets written into the file instead of `${VAR}`: values at the paths hearth masks in its output
 * (isSecretPath: apiKey, api_key and X-…-Api-Key headers, tokens, passwords, Authorization…) and the
 * credentials of a URL (user-info, a `key=` or `token=` query value) — the same judgement as the masking.
 */
function secretFindings(facts: AuditFacts): Finding[] {
  const found: string[] = [];
  const visit = (node: unknown, path: string[]): void => {
    if (Array.isArray(node)) node.forEach((item, index) => visit(item, [...path, String(index)]));
    else if (node !== null && typeof node === "object") for (const [key, child] of Object.entries(node)) visit(child, [...path, key]);
    else if (typeof node === "string" && !node.includes("${") && !isPlaceholderKey(node)) {
      if (isSecretPath(path) && !localPlaceholder(facts.raw, { path, value: node })) found.push(path.join("."));
      else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(node) && urlSecrets(node).length > 0) found.push(`${path.join(".")} (credentials in the URL)`);
    }
  };
  visit(facts.raw, []);
  return found.map((where) => {
    const path = where.replace(/ \(credentials in the URL\)$/, "");
    return {
      id: "secret-in-config",
      severity: "medium",
      title: `${where} is written into the config file`,
      detail: "A key in the file travels with every copy, backup and paste of it; hearth hides it in its output, but not elsewhere.",
      remediation:
        path === "gateway.auth.token"
          ? `write a token: ${GATEWAY_TOKEN_ADVICE}`
          : path === where
            ? `replace the value of ${path} with "\${NAME}" and set ${variablePlace("NAME=…")}`
            : `move the credentials out of ${path}: a header (such as "headers": { "x-api-key": "\${NAME}" }) or "apiKey": "\${NAME}", with ${variablePlace("NAME=…")}`,
    };
  });
}

/**
 * A provider's `apiKey` that is a made-up word for a server on this machine or the local network
 * (`sk-local`, `changeme`, `secret`: letters in at most three words, 16 characters at most, or a few
 * digits): the server takes any key, or the key only keeps other programs on the machine out — no
 * secret that travels with the file. A real-looking key (letters and digits, long) is still one,
 * local server or not.
 */
function localPlaceholder(raw: Record<string, unknown>, key: { path: readonly string[]; value: string }): boolean {
  const [models, providers, name, field] = key.path;
  if (models !== "models" || providers !== "providers" || name === undefined || field !== "apiKey" || key.path.length !== 4) return false;
  const provider = record(record(record(raw.models).providers)[name]);
  const urls = [provider.baseUrl, ...(Array.isArray(provider.baseUrls) ? provider.baseUrls : [])].filter((url): url is string => typeof url === "string");
  if (urls.length === 0 || !urls.every((url) => !url.includes("${") && isLocalUrl(url))) return false;
  const value = key.value.trim();
  return (value.length <= 16 && /^[a-z]+(?:[-_.][a-z]+){0,2}$/i.test(value)) || /^(?:sk-)?\d{1,8}$/i.test(value);
}

/** The modes of the config, state and env file and the directories on the way to them, judged as doctor judges them (judgePermissions). */
function fileFindings(facts: AuditFacts): Finding[] {
  return facts.files.flatMap((file): Finding[] => {
    const judged = judgePermissions(file);
    return judged ? [{ id: judged.id, severity: judged.severity, title: judged.title, detail: judged.detail, remediation: judged.fix }] : [];
  });
}

/** Every finding, decided from the gathered facts. */
export function auditFindings(facts: AuditFacts): Finding[] {
  return [...modelFindings(facts), ...agentFindings(facts), ...channelFindings(facts), ...secretFindings(facts), ...fileFindings(facts)];
}

/**
 * What to do for exec with no sandbox, as this machine stands: a sandbox that works here and the config
 * turned off is turned on; one that is missing is installed (the probe's own words say how) and then
 * required; where hearth knows none, only fewer commands or no exec help.
 */
function sandboxRemedy(here: ExecConfinement["here"], mode: AuditedAgent["execSandbox"]): string {
  const deny = `or deny exec: "tools": { "deny": ["exec"] }`;
  if (here && "works" in here) return `${here.works} works on this machine: set tools.exec.sandbox to "auto" (or "require": exec then never runs without it), ${deny}`;
  if (here?.canInstall) return `${here.none}; ${mode === "require" ? "exec runs, sandboxed, once it works" : `then set tools.exec.sandbox to "require" (exec then never runs without it)`} — ${deny}`;
  return `${here?.none ?? "no OS sandbox was found"}: keep tools.exec.commands to what you need, ${deny}`;
}
