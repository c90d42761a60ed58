import { statSync, type Stats } from "node:fs";

/** How a file looks to a reader: absent, or its inode, size and mtime (a rename over it, as editors save, changes the inode). */
function lookOf(file: string, stat: (path: string) => Stats): string {
  try {
    const stats = stat(file);
    return `${stats.ino}:${stats.size}:${stats.mtimeMs}`;
  } catch {
    return "absent";
  }
}

/**
 * The config file (and gateway.env, whose variables it reads) as a long-running command last read them:
 * `changed()` says whether either looks different now — written, replaced, removed or made — and takes the
 * new look as read. A symbolic link is looked at through (where it points). `stat` is the file system's
 * (tests pass their own).
 */
export class ConfigStamp {
  private looks: string[];

  constructor(
    private readonly files: readonly string[],
    private readonly stat: (path: string) => Stats = statSync,
  ) {
    this.looks = files.map((file) => lookOf(file, stat));
  }

  changed(): boolean {
    const now = this.files.map((file) => lookOf(file, this.stat));
    const changed = now.some((look, index) => look !== this.looks[index]);
    this.looks = now;
    return changed;
  }
}
