import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { WhatsAppChannel } from "../../src/channels/whatsapp/channel.js";
import { whatsappSettings } from "../../src/channels/whatsapp/settings.js";
import { agentGateway } from "../../test/helpers/agent-gateway.js";
import { ManualClock } from "../../test/helpers/manual-clock.js";
import { FakeWhatsApp } from "../../test/whatsapp/fake-whatsapp.js";
import { startVariantServer, variantConfig } from "../../test/whatsapp/reasoning-servers.js";
import type { BenchResults } from "../results.js";
import { formatMs, printTable } from "../stats.js";

const SENDERS = Array.from({ length: 5 }, (_, index) => `1555010${String(index).padStart(4, "0")}`);

/**
 * The event loop's lag while the WhatsApp channel takes a burst of 50 messages (5 senders × 10, one
 * `messages.upsert`) and answers them through a real Agent and router from a fake model server that
 * streams reasoning (`reasoning_content`). The server runs in this process too, so the figure is an
 * upper bound for the channel. Baileys drops a socket whose keep-alive is starved for ~20–30 s.
 */
export async function benchWhatsAppBurst(results: BenchResults, rounds = 5): Promise<void> {
  const server = await startVariantServer("reasoning_content", () => `Here is an answer with **bold**, a list:\n\n- one\n- two\n\n${"More words. ".repeat(40)}`);
  const rows: string[][] = [];
  const answered: number[] = [];
  const delayP99: number[] = [];
  try {
    for (let round = 0; round < rounds; round++) {
      const dir = mkdtempSync(join(tmpdir(), "hearth-bench-whatsapp-"));
      const gateway = await agentGateway(variantConfig("reasoning_content", server), dir);
      const whatsapp = new FakeWhatsApp();
      const channel = new WhatsAppChannel({
        port: gateway,
        settings: whatsappSettings({ enabled: true, allowFrom: SENDERS.map((number) => `+${number}`) }),
        stateDir: dir,
        socketFactory: whatsapp.factory,
        logger: { info: () => undefined, warn: () => undefined },
        clock: new ManualClock(),
      });
      await channel.start();
      whatsapp.open();
      const burst = Array.from({ length: 50 }, (_, index) => whatsapp.text(SENDERS[index % SENDERS.length] ?? "", `message ${index}: what should I cook tonight?`));
      const histogram = monitorEventLoopDelay({ resolution: 5 });
      histogram.enable();
      const started = performance.now();
      whatsapp.deliver(...burst);
      await channel.idle();
      const elapsed = performance.now() - started;
      histogram.disable();
      channel.stop();
      await gateway.close();
      rmSync(dir, { recursive: true, force: true });
      if (whatsapp.sent.length < 50) throw new Error(`only ${whatsapp.sent.length} of 50 messages were answered`);
      const ms = (nanoseconds: number): string => formatMs(nanoseconds / 1e6);
      answered.push(elapsed);
      delayP99.push(histogram.percentile(99) / 1e6);
      rows.push([`${round + 1}`, `${whatsapp.sent.length}`, formatMs(elapsed), ms(histogram.percentile(50)), ms(histogram.percentile(99)), ms(histogram.max)]);
    }
  } finally {
    await server.close();
  }
  results.add({ section: "whatsapp", name: "burst of 50 messages answered (real Agent, in-process fake server)", unit: "ms", samples: answered });
  results.add({ section: "whatsapp", name: "event-loop delay p99 during the burst", unit: "ms", samples: delayP99, target: "far below Baileys' ~20 s keep-alive" });
  printTable("whatsapp: event-loop delay during a burst of 50 messages (5 senders, real Agent, fake server in-process)", ["round", "sent", "burst answered in", "delay p50", "delay p99", "delay max"], rows);
}
