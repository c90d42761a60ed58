import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The hearth install (checkout or package) a module belongs to: the nearest folder above it holding
 * package.json. Found by walking up, so it is the same from src/ (tsx), dist/ (tsc) and dist/bundle/
 * (the bundled CLI), whose files sit at different depths. Undefined when no folder above has one.
 */
export function installDir(moduleUrl: string): string | undefined {
  let dir = dirname(fileURLToPath(moduleUrl));
  while (!existsSync(join(dir, "package.json"))) {
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
  return dir;
}
