// A trial (t19 #10): the refusal of a second gateway told how to stop the installed service with
// `hearth gateway uninstall` — which removes it for good. It names the service manager's stop now.
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { lockGateway } from "../../src/ops/gateway-lock.js";
import type { HearthError } from "../../src/shared/errors.js";
import { tempDir } from "../helpers/run-cli.js";

describe("the refusal of a second gateway says how to stop the installed service", { timeout: 30_000 }, () => {
  const temp = tempDir();
  // A live process whose command line reads as a gateway's, holding a fresh lock.
  const holder: ChildProcess = spawn(process.execPath, ["-e", "setInterval(() => undefined, 1000)", "gateway"], { stdio: "ignore" });
  after(() => {
    holder.kill("SIGKILL");
    temp.cleanup();
  });
  const heldState = (name: string): string => {
    const dir = join(temp.dir, name);
    mkdirSync(join(dir, "gateway.lock"), { recursive: true });
    writeFileSync(join(dir, "gateway.owner.json"), `${JSON.stringify({ pid: holder.pid, url: "http://127.0.0.1:18789" })}\n`);
    return dir;
  };

  for (const [platform, stop] of [
    ["linux", "`systemctl --user stop hearth-gateway.service` stops it"],
    ["darwin", "`launchctl bootout gui/$(id -u)/dev.hearth.gateway` stops it"],
  ] as const) {
    test(`${platform}: ${stop}, never uninstall`, async () => {
      await assert.rejects(lockGateway({ stateDir: heldState(platform), command: "hearth", onLost: () => undefined, platform }), (error: HearthError) => {
        assert.match(error.message, new RegExp(`^another hearth gateway already runs on this state dir \\(.*\\): pid ${holder.pid}`));
        const fix = error.details.find((line) => line.startsWith("fix: ")) ?? "";
        assert.ok(fix.includes(`(the installed service: ${stop}, until \`hearth gateway restart\` or the next login starts it again)`), fix);
        assert.doesNotMatch(fix, /uninstall/);
        return true;
      });
    });
  }
});
