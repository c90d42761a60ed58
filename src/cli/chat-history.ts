import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { appendStateFile, readStateFile, replaceStateFile } from "../shared/state-file.js";

/**
 * `hearth chat`'s line history on a terminal: one line a message, appended as they are sent, with
 * every secret masked as the session store masks it (a key typed in a line is saved as "***").
 * Reading keeps the newest `lines`; a file that has grown past twice that, or holds a line written
 * unmasked (by an older hearth), is rewritten then, so it never grows without bound nor keeps a key.
 * History is a convenience: a state dir that cannot be read or written leaves it empty, never breaks the chat.
 */
export class ChatHistory {
  constructor(private readonly options: { file: string; lines: number; secrets?: { redact(text: string): string } | undefined }) {}

  /** Newest first, as readline wants them. */
  read(): string[] {
    const { file, lines } = this.options;
    let all: string[];
    try {
      all = (readStateFile({ path: file, doing: "read the chat history from" }) ?? "").split("\n").filter(Boolean);
    } catch {
      return [];
    }
    const masked = all.map((line) => this.mask(line));
    const unmasked = masked.some((line, index) => line !== all[index]);
    const kept = masked.slice(-lines);
    if (all.length > lines * 2 || unmasked) {
      try {
        replaceStateFile({ path: file, doing: "shorten the chat history in" }, `${kept.join("\n")}\n`);
      } catch {
        // Shortened next time; the history read is whole.
      }
    }
    return kept.reverse();
  }

  save(line: string): void {
    const { file } = this.options;
    try {
      mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
      appendStateFile({ path: file, doing: "save the chat history to" }, `${this.mask(line.replace(/\n/g, " "))}\n`);
    } catch {
      // History is a convenience; a read-only state dir must not break the chat.
    }
  }

  private mask(line: string): string {
    return this.options.secrets ? this.options.secrets.redact(line) : line;
  }
}
