import { isLinked } from "../channels/whatsapp/account.js";
import { PairingStore } from "../channels/whatsapp/pairing-store.js";
import { whatsappSettings } from "../channels/whatsapp/settings.js";
import { whatsappPaths } from "../channels/whatsapp/state-paths.js";
import { readStatus, writerName, writerRunning, type ChannelStatus } from "../channels/whatsapp/status-file.js";
import type { WhatsAppSection } from "../config/schema/index.js";
import { ok, type Finding } from "./doctor-finding.js";
import { localTime } from "../shared/local-time.js";

export interface WhatsAppCheckInput {
  stateDir: string;
  /** Whether a gateway answered /health, and where: the fix says start it or restart it. */
  gateway: { running: boolean; url: string };
}

const LOGIN = "`hearth channels login whatsapp`";

/** "reconnecting since 2026-12-01 22:40 +01:00 — connection lost; next try in 8 s (attempt 3)" (local time) */
function described(status: ChannelStatus): string {
  return `${status.state} since ${localTime(status.since)}${status.reason ? ` — ${status.reason}` : ""}`;
}

/**
 * `channels.whatsapp`, only when enabled: linked (Baileys' credentials in the state dir), the
 * connection as the gateway last wrote it (the status file `hearth channels status` reads), and
 * the policy: open to anyone, or an allowlist that lets nobody in.
 */
export function whatsappFindings(section: WhatsAppSection | undefined, input: WhatsAppCheckInput): Finding[] {
  if (!section?.enabled) return [];
  const paths = whatsappPaths(input.stateDir);
  const status = readStatus(paths.status);
  const restart = input.gateway.running
    ? `restart the gateway (it answers at ${input.gateway.url}; it starts the channel only when it starts)`
    : "start the gateway: `hearth gateway` (`hearth gateway install` keeps it running)";
  // A running gateway links the account itself: its status panel shows the QR code to scan (docs/whatsapp.md), no restart.
  const link = input.gateway.running
    ? `scan the QR code on the web chat's status panel (${input.gateway.url}/) with your phone (WhatsApp → Settings → Linked devices): the running gateway links it then, no restart needed`
    : `${LOGIN} and scan the QR code with your phone (WhatsApp → Settings → Linked devices), then ${restart}`;
  return [...connectionFindings(input.stateDir, status, { restart, link }), ...policyFindings(section, paths.pairing)];
}

function connectionFindings(stateDir: string, status: ChannelStatus | undefined, fixes: { restart: string; link: string }): Finding[] {
  const { restart, link } = fixes;
  const paths = whatsappPaths(stateDir);
  if (!isLinked(stateDir)) {
    return [
      {
        id: "whatsapp-not-linked",
        severity: "error",
        group: "whatsapp",
        title: "WhatsApp is enabled but not linked: nobody is answered there",
        seen: `no credentials in ${paths.credentials}${status ? `; the channel's last state: ${described(status)}` : ""}`,
        fix: link,
      },
    ];
  }
  if (!status) {
    return [
      {
        id: "whatsapp-not-running",
        severity: "warn",
        group: "whatsapp",
        title: "WhatsApp is linked but the channel has never run",
        seen: `credentials in ${paths.credentials}, no ${paths.status}: no gateway has started with channels.whatsapp.enabled`,
        fix: restart,
      },
    ];
  }
  const live = writerRunning(status);
  if (live && (status.state === "connected" || status.state === "connecting")) {
    return [ok("whatsapp", "whatsapp-disconnected", `WhatsApp ${described(status)}${status.account ? ` (${status.account})` : ""}`)];
  }
  if (live && status.state === "reconnecting" && status.cause === "no-network") {
    return [
      {
        id: "whatsapp-disconnected",
        severity: "warn",
        group: "whatsapp",
        title: "WhatsApp has no network: it reconnects by itself",
        seen: `${described(status)} (${writerName(status)}, pid ${status.pid})`,
        fix: "check this machine's network connection (Wi-Fi, cable, VPN, DNS); the channel reconnects once it is back, and `hearth channels status` shows each try",
      },
    ];
  }
  if (live && status.state === "reconnecting") {
    return [
      {
        id: "whatsapp-disconnected",
        severity: "warn",
        group: "whatsapp",
        title: "WhatsApp lost its connection and is reconnecting",
        seen: `${described(status)} (${writerName(status)}, pid ${status.pid})`,
        fix: "nothing while it retries (`hearth logs` shows each try); if it does not come back, check that the phone is online and restart the gateway",
      },
    ];
  }
  if (live && status.state === "waiting-for-scan") {
    return [
      {
        id: "whatsapp-disconnected",
        severity: "warn",
        group: "whatsapp",
        title: "WhatsApp's saved credentials did not log in (it offered a new link code instead)",
        seen: `${described(status)} (pid ${status.pid}): the credentials in ${paths.credentials} did not log in`,
        fix: `stop the gateway, unlink with \`hearth channels logout whatsapp\`, link again with ${LOGIN}, then start the gateway`,
      },
    ];
  }
  // Stopped, logged out (and linked again since), or the process that wrote it exited.
  const last = status.state === "stopped" || status.state === "logged-out" ? described(status) : `the process that ran it (pid ${status.pid}) exited while ${described(status)}`;
  return [
    {
      id: "whatsapp-not-running",
      severity: "warn",
      group: "whatsapp",
      title: "the WhatsApp channel is not running: messages are not answered",
      seen: `last state: ${last}`,
      fix: restart,
    },
  ];
}

function policyFindings(section: WhatsAppSection, pairingFile: string): Finding[] {
  const settings = whatsappSettings(section);
  if (settings.dmPolicy === "open") {
    return [
      {
        id: "whatsapp-open",
        severity: "warn",
        group: "whatsapp",
        title: 'WhatsApp answers anyone (channels.whatsapp.dmPolicy: "open")',
        seen: `any number that writes to the linked account talks to agent ${settings.agent ?? "main"} and its tools`,
        fix: 'set channels.whatsapp.dmPolicy to "allowlist" and list your numbers in channels.whatsapp.allowFrom; `hearth security audit` weighs this against the agent\'s model and tools',
      },
    ];
  }
  if (settings.dmPolicy === "allowlist" && settings.allowFrom.length === 0) {
    // Numbers approved by pairing earlier are answered under "allowlist" too, and so are allowed groups.
    const approved = new PairingStore(pairingFile).read().approved.length;
    const groups = settings.groups.enabled && settings.groups.allow.length > 0;
    if (approved === 0 && !groups) {
      return [
        {
          id: "whatsapp-allowlist-empty",
          severity: "info",
          group: "whatsapp",
          title: "WhatsApp answers nobody: channels.whatsapp.allowFrom is empty",
          seen: `dmPolicy "allowlist"${section.dmPolicy === undefined ? " (the default)" : ""}, no number in allowFrom, none approved by pairing, no group allowed: every message is ignored`,
          fix: 'list your numbers in channels.whatsapp.allowFrom, such as ["+15551234567"], or set dmPolicy to "pairing" and let senders in with `hearth pairing approve CODE`',
        },
      ];
    }
  }
  return [ok("whatsapp", "whatsapp-open", `dmPolicy "${settings.dmPolicy}", ${settings.allowFrom.length} number${settings.allowFrom.length === 1 ? "" : "s"} in allowFrom`)];
}
