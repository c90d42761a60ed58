/**
 * A process whose message journal is rewritten while messages wait, stopping for good at one step of the
 * rewrite so that a test can kill it there (SIGKILL). argv: <state dir> <step>, the step one of
 * `open` (before the rewrite's file is made), `half` (half its text written), `sync` (all written, not
 * flushed), `rename` (flushed, not yet renamed over the journal), `renamed` (renamed: the rewrite is
 * the journal). It keeps three messages waiting (`waiting 1`–`waiting 3`, the second with its turn
 * begun), takes `taken N` messages in and out until the rewrite comes, and says `stopped <step>` on
 * stdout once it stands at the step.
 */
import { MessageInbox } from "../../src/gateway/message-inbox.js";
import { SYSTEM_JOURNAL_WRITE_FS, type JournalWriteFs } from "../../src/gateway/journal-compaction.js";

const [stateDir, step] = process.argv.slice(2);
if (!stateDir || !step) throw new Error("usage: journal-compaction-process <state dir> <open|half|sync|rename|renamed>");

/** Never resolves: the process stands here until it is killed. */
async function stand(at: string): Promise<never> {
  process.stdout.write(`stopped ${at}\n`);
  return new Promise<never>(() => setInterval(() => undefined, 60_000));
}

const stopping: JournalWriteFs = {
  open: async (path, flags, mode) => {
    if (step === "open") await stand(step);
    const handle = await SYSTEM_JOURNAL_WRITE_FS.open(path, flags, mode);
    return {
      write: async (text) => {
        if (step !== "half") return handle.write(text);
        await handle.write(text.slice(0, Math.floor(text.length / 2)));
        return stand(step);
      },
      sync: async () => {
        if (step === "sync") await stand(step);
        await handle.sync();
      },
      close: () => handle.close(),
    };
  },
  rename: async (from, to) => {
    if (step === "rename") await stand(step);
    await SYSTEM_JOURNAL_WRITE_FS.rename(from, to);
    if (step === "renamed") await stand(step);
  },
};

const inbox = new MessageInbox({ stateDir, compactAtBytes: 4096, journalWriteFs: stopping });
const at = (second: number): string => new Date(Date.UTC(2026, 0, 1, 0, 0, second)).toISOString();
const filler = "x".repeat(300);
await inbox.add({ session: "s", text: "waiting 1", channel: "webchat", agent: "main", at: at(0) });
const second = await inbox.add({ session: "s", text: "waiting 2", channel: "webchat", agent: "main", at: at(1) });
inbox.begun({ session: "s", entry: "0000beef", journaled: second });
await inbox.add({ session: "t", text: "waiting 3", channel: "whatsapp", agent: "main", at: at(2) });
for (let index = 0; ; index++) {
  const id = await inbox.add({ session: "s", text: `taken ${index} ${filler}`, channel: "webchat", agent: "main", at: at(3) });
  // The rewrite stands at its step inside this take (it never returns then).
  await inbox.take(id);
  if (index > 1_000) throw new Error("the journal was never rewritten");
}
