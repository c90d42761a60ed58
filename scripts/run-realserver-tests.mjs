// Runs test/realserver/*.test.ts against llama.cpp's real `llama-server` (`npm run test:realserver`).
// The server is built once by ../shared/realserver/setup.sh (beside the checkout; REALSERVER_SCRIPTS
// names another folder) into a cache outside the checkout, then each test file starts and stops its own
// servers on free loopback ports. Files run one at a time: on 2 cores, servers must not compete.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const scripts = resolve(process.env.REALSERVER_SCRIPTS ?? join(root, "..", "shared", "realserver"));
if (!existsSync(join(scripts, "setup.sh"))) {
  console.error(`test:realserver: no ${join(scripts, "setup.sh")}; put the shared/realserver folder beside the checkout, or set REALSERVER_SCRIPTS to it`);
  process.exit(2);
}
const setup = spawnSync("bash", [join(scripts, "setup.sh")], { stdio: ["ignore", "pipe", "inherit"], encoding: "utf8" });
const bin = setup.stdout.trim().split("\n").pop() ?? "";
if (setup.status !== 0 || !existsSync(bin)) {
  console.error(`test:realserver: ${join(scripts, "setup.sh")} did not build llama-server (exit ${setup.status})`);
  process.exit(1);
}
const args = process.argv.slice(2);
const explicit = args.filter((arg) => arg.endsWith(".ts"));
const flags = args.filter((arg) => !arg.endsWith(".ts"));
const dir = join(root, "test", "realserver");
const files = explicit.length > 0 ? explicit : readdirSync(dir).filter((name) => name.endsWith(".test.ts")).sort().map((name) => join("test", "realserver", name));
const result = spawnSync(process.execPath, ["--import", "tsx", "--test", "--test-concurrency=1", "--test-reporter=spec", ...flags, ...files], {
  cwd: root,
  stdio: "inherit",
  env: { ...process.env, NO_COLOR: "1", REALSERVER_BIN: bin, REALSERVER_SCRIPTS: scripts },
});
process.exit(result.status ?? 1);
