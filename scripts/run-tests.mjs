// Runs every test/**/*.test.ts (but test/realserver/) with node's test runner (TypeScript through tsx). Extra arguments are
// passed on, e.g. `npm test -- --test-name-pattern=alias` or a file path to run only that file.
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join, relative } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const args = process.argv.slice(2);
const explicitFiles = args.filter((arg) => arg.endsWith(".ts"));
const flags = args.filter((arg) => !arg.endsWith(".ts"));

function findTests(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    // test/realserver needs a real llama-server: `npm run test:realserver` runs it.
    if (entry.isDirectory()) return entry.name === "fixtures" || entry.name === "realserver" ? [] : findTests(path);
    return entry.name.endsWith(".test.ts") ? [relative(root, path)] : [];
  });
}

const files = explicitFiles.length > 0 ? explicitFiles : findTests(join(root, "test")).sort();
const result = spawnSync(
  process.execPath,
  ["--import", "tsx", "--test", "--test-reporter=spec", ...flags, ...files],
  { cwd: root, stdio: "inherit", env: { ...process.env, NO_COLOR: "1" } },
);
process.exit(result.status ?? 1);
