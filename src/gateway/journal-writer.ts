import { randomBytes } from "node:crypto";
import { appendFile, mkdir, rename, rm, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { compactionDue, rewriteJournal, type JournalWriteFs } from "./journal-compaction.js";

/**
 * The writing side of one process's message journal: lines appended one after the other, in order, and
 * what still counts in the file — each id's lines as written (their text, masked when they were made) —
 * kept for its rewrites. A rewrite copies those texts, never makes them again: it costs no masking and no
 * serialising (an image line is megabytes), and the file it writes holds exactly what was journalled.
 */
export class JournalWriter {
  /** By id in the order each first came: the text of its lines in the file (as written) and their bytes. */
  private readonly onDisk = new Map<string, { texts: string[]; bytes: number }>();
  /** The file's bytes: what this writer wrote since it made it (or what was there, where it could not be set aside); what a rewrite left after one. */
  private fileBytes = 0;
  private ready: Promise<void> | undefined;
  /** Writes go out one after the other, in order. */
  private tail: Promise<void> = Promise.resolve();

  /** `tell`: a rewrite that failed (said by the caller once). `compactAtBytes`, `writeFs`: as rewriteJournal and compactionDue take them. */
  constructor(private readonly options: { file: string; tell: (problem: string) => void; compactAtBytes?: number | undefined; writeFs?: JournalWriteFs | undefined }) {}

  /**
   * Makes the journal's folder and sets aside a file this process did not write: an earlier process under the
   * same pid left it (a container's gateway is always pid 1; a pid used again), with its messages not yet in
   * their sessions. Renamed `<pid>.left-<tag>.jsonl`, the recovery reads it as a gone process's (deadJournals);
   * appended to, its messages would be removed with this process's own when nothing of it waits. Done once,
   * before the first line; `recover` calls it before it reads the journals. Never rejects (a failure is said).
   */
  prepare(): Promise<void> {
    return this.serially(() => this.ensureReady()).catch(() => undefined);
  }

  /** Writes the line `text` about `id` after those before it; once it is in the file it is held for the rewrites until `take`. */
  write(id: string, text: string): Promise<void> {
    return this.serially(async () => {
      await this.append(text);
      const held = this.onDisk.get(id);
      const bytes = Buffer.byteLength(text);
      if (held) {
        held.texts.push(text);
        held.bytes += bytes;
      } else this.onDisk.set(id, { texts: [text], bytes });
    });
  }

  /**
   * `id` is done: its `take` line `text` is written, in the journal's order, and its lines no longer count.
   * Then nothing waits — the file goes (the next line makes it again), so no process leaves one behind; or
   * the file has grown well past what still waits (compactionDue) — it is rewritten with only that,
   * atomically (rewriteJournal: a crash leaves the old file or the new one, whole). A take line not written
   * (a full disk) leaves the message to be found saved at the next start, and the rewrite drops it anyway; a
   * rewrite that fails is said (`tell`) and left for the next take. Never rejects.
   */
  take(id: string, text: string): Promise<void> {
    return this.serially(async () => {
      await this.append(text).catch(() => undefined);
      this.onDisk.delete(id);
      await this.tidy();
    }).catch(() => undefined);
  }

  private async tidy(): Promise<void> {
    if (this.onDisk.size === 0) {
      await rm(this.options.file, { force: true });
      this.fileBytes = 0;
      return;
    }
    let liveBytes = 0;
    for (const held of this.onDisk.values()) liveBytes += held.bytes;
    if (!compactionDue({ fileBytes: this.fileBytes, liveBytes, atBytes: this.options.compactAtBytes })) return;
    const text = [...this.onDisk.values()].flatMap((held) => held.texts).join("");
    try {
      await rewriteJournal(this.options.file, text, this.options.writeFs);
      this.fileBytes = liveBytes;
    } catch (error) {
      this.options.tell(`could not rewrite the message journal ${this.options.file} with only the messages still waiting (${error instanceof Error ? error.message : String(error)}): it stays as it was, whole, and is tried again after the next message's turn`);
    }
  }

  /** Appends to the journal; called only within `serially`. An `inbox/` removed while hearth runs is made again. */
  private async append(text: string): Promise<void> {
    const dir = dirname(this.options.file);
    await this.ensureReady();
    try {
      await appendFile(this.options.file, text, { mode: 0o600 });
    } catch (error) {
      // The folder was removed while the gateway ran: made again, and the line written there.
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
      await mkdir(dir, { recursive: true, mode: 0o700 });
      await appendFile(this.options.file, text, { mode: 0o600 });
    }
    this.fileBytes += Buffer.byteLength(text);
  }

  /** The folder made and a leftover set aside, once (a failed mkdir is tried again next time: the state dir may be fixed meanwhile). */
  private async ensureReady(): Promise<void> {
    this.ready ??= mkdir(dirname(this.options.file), { recursive: true, mode: 0o700 }).then(() => this.setAside());
    await this.ready.catch((error: unknown) => {
      this.ready = undefined;
      throw error;
    });
  }

  /** A file already there is an earlier process's (see `prepare`): renamed aside; one that cannot be is counted, and said. */
  private async setAside(): Promise<void> {
    const left = await stat(this.options.file).catch(() => undefined);
    if (left === undefined) return;
    const file = this.options.file;
    const aside = join(dirname(file), `${basename(file, ".jsonl")}.left-${Date.now().toString(36)}${randomBytes(3).toString("hex")}.jsonl`);
    try {
      await rename(file, aside);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
      if (left.isFile()) this.fileBytes += left.size;
      this.options.tell(`could not set aside the message journal ${file} that an earlier process with this pid left (${error instanceof Error ? error.message : String(error)}): its messages may be lost when this process's own are done`);
    }
  }

  private serially(work: () => Promise<void>): Promise<void> {
    const next = this.tail.then(work);
    this.tail = next.catch(() => undefined);
    return next;
  }
}
