// WhatsApp through the Baileys stand-in (test/whatsapp/fake-whatsapp.ts): real-shaped messages.upsert
// in, the recorded sendMessage out, on the composition `hearth gateway` runs it on (createGatewayRuntime
// and the channel with the config's channels.whatsapp settings). The channel's own timers run on a
// manual clock: a message no model could answer waits for one (up to retryWindowMinutes), and the
// driver lets that wait run out before reading what the sender was told.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { HOSTED_LOADING_NOTE, LOADING_NOTE, WhatsAppChannel } from "../../../src/channels/whatsapp/channel.js";
import { whatsappSettings } from "../../../src/channels/whatsapp/settings.js";
import { createGatewayRuntime, type GatewayRuntime } from "../../../src/cli/gateway-runtime.js";
import type { WhatsAppSection } from "../../../src/config/schema/index.js";
import { SecretRedactor } from "../../../src/shared/secret-redactor.js";
import { ManualClock } from "../../helpers/manual-clock.js";
import { FakeWhatsApp } from "../../whatsapp/fake-whatsapp.js";
import type { ChannelDriver, Shown } from "./driver.js";

/** Each conversation is one allowed sender, numbered in the order conversations first appear. */
const NUMBERS = ["15550100001", "15550100002", "15550100003", "15550100004"];
const STEP_MS = 60_000;

/** What the sender saw in one or more messages: the italic lead line is the fallback notice, "Sorry — …" a failure. */
function shownOf(messages: readonly string[]): Shown {
  const notices: string[] = [];
  const errors: string[] = [];
  const texts: string[] = [];
  for (const message of messages) {
    const lead = /^_([^_\n]+)_\n\n([\s\S]*)$/.exec(message);
    if (message === LOADING_NOTE || message === HOSTED_LOADING_NOTE) notices.push(message);
    else if (/^(?:Sorry — |This message got no answer)/.test(message)) errors.push(message);
    else if (lead?.[1] !== undefined && lead[2] !== undefined) {
      notices.push(lead[1]);
      texts.push(lead[2]);
    } else texts.push(message);
  }
  return { text: texts.join("\n\n"), reasoning: "", streamed: undefined, notices, error: errors.length > 0 ? errors.join("\n") : undefined, everything: [...messages] };
}

export function whatsAppDriver(): ChannelDriver {
  const world = new FakeWhatsApp();
  const clock = new ManualClock();
  const conversations: string[] = [];
  let live: { runtime: GatewayRuntime; channel: WhatsAppChannel; windowMs: number } | undefined;
  let args: { file: string; stateDir: string; section: WhatsAppSection } | undefined;

  const numberOf = (conversation: string): string => {
    if (!conversations.includes(conversation)) conversations.push(conversation);
    const number = NUMBERS[conversations.indexOf(conversation)];
    if (!number) throw new Error(`the WhatsApp driver has numbers for ${NUMBERS.length} conversations`);
    return number;
  };
  const chatOf = (conversation: string): string => `${numberOf(conversation)}@s.whatsapp.net`;
  const running = () => {
    if (!live) throw new Error("the WhatsApp driver is not started");
    return live;
  };
  const launch = async (): Promise<void> => {
    if (!args) throw new Error("the WhatsApp driver was never started");
    const runtime = await createGatewayRuntime({ env: { HEARTH_STATE_DIR: args.stateDir }, cwd: args.stateDir, configFlag: args.file, secrets: new SecretRedactor(), onWarning: () => undefined });
    const settings = whatsappSettings({ ...args.section, enabled: true, allowFrom: NUMBERS.map((number) => `+${number}`) });
    const channel = new WhatsAppChannel({ port: runtime.port, settings, stateDir: args.stateDir, socketFactory: world.factory, logger: { info: () => undefined, warn: () => undefined }, clock, random: () => 0.5 });
    await channel.start();
    world.open();
    await channel.idle();
    live = { runtime, channel, windowMs: settings.retryWindowMs };
  };
  /** Waits until the chat got `count` messages after `from`, letting the channel's waits run out (at most the retry window). */
  const settle = async (chat: string, from: number, count: number): Promise<string[]> => {
    const { channel, windowMs } = running();
    const arrived = (): string[] => world.sent.slice(from).filter((sent) => sent.jid === chat).map((sent) => sent.text);
    await channel.idle();
    for (let waited = 0; arrived().length < count && waited <= windowMs + STEP_MS; waited += STEP_MS) {
      clock.advance(STEP_MS);
      await channel.idle();
    }
    return arrived();
  };

  return {
    name: "WhatsApp",
    showsReasoning: false,
    async start(options) {
      const file = join(options.stateDir, "hearth.json");
      writeFileSync(file, JSON.stringify(options.config, null, 2));
      const section = ((options.config as { channels?: { whatsapp?: WhatsAppSection } }).channels?.whatsapp ?? {}) as WhatsAppSection;
      args = { file, stateDir: options.stateDir, section };
      await launch();
    },
    async send(conversation, text) {
      const from = world.sent.length;
      world.deliver(world.text(numberOf(conversation), text));
      return shownOf(await settle(chatOf(conversation), from, 1));
    },
    async burst(conversation, texts) {
      const from = world.sent.length;
      for (const text of texts) world.deliver(world.text(numberOf(conversation), text));
      return (await settle(chatOf(conversation), from, texts.length)).map((message) => shownOf([message]));
    },
    transcript: (conversation) => running().runtime.port.sessions().transcript(`whatsapp:${chatOf(conversation)}`),
    surroundings: async () => [],
    async restart() {
      await this.stop();
      await launch();
    },
    async stop() {
      if (!live) return;
      live.channel.stop();
      await live.channel.idle();
      await live.runtime.close();
      live = undefined;
    },
  };
}
