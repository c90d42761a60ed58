import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { installService, type ServiceHost } from "../../src/cli/gateway/service.js";

/** Installs a unit as `hearth gateway install` writes one, running `programArguments`, without a service manager. */
export function writeUnit(home: string, programArguments: string[]): Promise<unknown> {
  const machine: ServiceHost = {
    platform: "linux",
    home,
    uid: 501,
    command: "./bin/hearth",
    run: () => Promise.resolve({ code: 0, stdout: "", stderr: "" }),
    programArguments,
    environment: { HEARTH_STATE_DIR: join(home, ".hearth") },
    logDir: join(home, ".hearth", "logs"),
  };
  return installService(machine);
}

/**
 * A `systemctl` on PATH as a user session has it: every command succeeds; `show` prints `show`
 * (`show` with `-p MainPID` too, so give it a `MainPID=` line where the test needs one).
 */
export function fakeSystemctl(dir: string, show: string, code = 0): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "systemctl"), `#!/bin/sh\ncase "$*" in *" show "*) printf '${show}' ;; esac\nexit ${code}\n`, { mode: 0o755 });
  return dir;
}

export const unitOf = (home: string): string => join(home, ".config", "systemd", "user", "hearth-gateway.service");
