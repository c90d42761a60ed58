import { readdirSync } from "node:fs";
import { join } from "node:path";

/** The first file named `name` anywhere below `dir` (a session file in a state dir, whatever its agent's folder), or undefined. */
export function findFile(dir: string, name: string): string | undefined {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isFile() && entry.name === name) return path;
    if (entry.isDirectory()) {
      const found = findFile(path, name);
      if (found) return found;
    }
  }
  return undefined;
}
