import { join } from "node:path";
import { WhatsAppChannel } from "../../src/channels/whatsapp/channel.js";
import type { WhatsAppGateway } from "../../src/channels/whatsapp/gateway.js";
import { whatsappSettings } from "../../src/channels/whatsapp/settings.js";
import type { WhatsAppSection } from "../../src/config/schema/index.js";
import { ManualClock } from "../helpers/manual-clock.js";
import { FakeWhatsApp } from "./fake-whatsapp.js";

export const ALICE = "15550100001";
export const STRANGER = "15550100009";
export const GROUP = "120363025246125486@g.us";
export const aliceChat = `${ALICE}@s.whatsapp.net`;

export interface Harness {
  channel: WhatsAppChannel;
  whatsapp: FakeWhatsApp;
  clock: ManualClock;
  logs: string[];
  stateDir: string;
}

/** A started channel on the stand-in, connected; `random` 0.5 makes the jitter zero. */
export async function startChannel(options: { gateway: WhatsAppGateway; dir: string; name: string; section?: WhatsAppSection; clock?: ManualClock; connect?: boolean }): Promise<Harness> {
  const whatsapp = new FakeWhatsApp();
  const clock = options.clock ?? new ManualClock();
  const logs: string[] = [];
  const stateDir = join(options.dir, options.name);
  const channel = new WhatsAppChannel({
    port: options.gateway,
    settings: whatsappSettings({ enabled: true, allowFrom: [`+${ALICE}`], ...options.section }),
    stateDir,
    socketFactory: whatsapp.factory,
    logger: { info: (line) => logs.push(line), warn: (line) => logs.push(line) },
    clock,
    random: () => 0.5,
  });
  await channel.start();
  if (options.connect !== false) whatsapp.open();
  return { channel, whatsapp, clock, logs, stateDir };
}
