import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { setTimeout as delay } from "node:timers/promises";
import { join } from "node:path";
import { installService, type ServiceHost } from "../../src/cli/gateway/service.js";
import { hearthBin } from "./run-cli.js";

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

/** A `systemctl` on PATH that runs the real gateway as systemd would, for a test that restarts it. */
export interface StartingSystemctl {
  /** The directory to put first on PATH. */
  dir: string;
  /** The pid of the gateway it started last (0: none yet). */
  pid(): number;
  /** What the gateways it started printed. */
  log(): string;
  /**
   * Stops the gateway it started last (SIGTERM, as systemd does) and resolves once that process has exited:
   * until then it is still writing in its state dir (its log, the draining record, removing its lock and
   * owner file), and a test that removed the dir meanwhile would fail with ENOTEMPTY.
   */
  stop(): Promise<void>;
}

/**
 * As systemd would: `enable --now` starts the gateway (`bin/hearth gateway --config CONFIG`) when it
 * does not run, `restart` stops it and starts it again, `show` names its pid; `daemon-reload` and the
 * rest succeed doing nothing.
 */
export function startingSystemctl(dir: string, config: string): StartingSystemctl {
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, "systemctl"),
    `#!/bin/sh
D='${dir}'
start() { '${process.execPath}' '${hearthBin}' gateway --config '${config}' >>"$D/log" 2>&1 </dev/null & echo $! > "$D/pid"; }
# Running: not exited (an exited process nobody reaped yet, a zombie, has finished).
running() { kill -0 "$1" 2>/dev/null && ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null; }
case "$*" in
  *"enable --now"*) if [ -s "$D/pid" ] && running "$(cat "$D/pid")"; then :; else start; fi ;;
  *" restart "*) old=$(cat "$D/pid" 2>/dev/null); [ -n "$old" ] && kill "$old"; i=0; while [ -n "$old" ] && running "$old" && [ $i -lt 1800 ]; do sleep 0.05; i=$((i+1)); done; start ;;
  *" show "*) printf 'ActiveState=active\\nSubState=running\\nMainPID=%s\\n' "$(cat "$D/pid" 2>/dev/null || echo 0)" ;;
esac
exit 0
`,
    { mode: 0o755 },
  );
  const pid = (): number => (existsSync(join(dir, "pid")) ? Number(readFileSync(join(dir, "pid"), "utf8").trim()) : 0);
  return {
    dir,
    pid,
    log: () => (existsSync(join(dir, "log")) ? readFileSync(join(dir, "log"), "utf8") : ""),
    stop: async () => {
      const last = pid();
      if (last <= 0) return;
      try {
        process.kill(last);
      } catch {
        return; // already gone
      }
      // Not this process's child (the fake systemctl started it): its exit is watched for, not awaited.
      while (running(last)) await delay(20);
    },
  };
}

/** Whether `pid` still runs: it exists and is not a zombie (exited, not reaped yet: it writes nothing more). */
function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^State:\s*Z/m.test(readFileSync(`/proc/${pid}/status`, "utf8"));
  } catch {
    return true; // no /proc (macOS): the signal's answer is all there is
  }
}
