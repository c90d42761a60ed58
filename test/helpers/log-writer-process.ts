/**
 * A process that writes the gateway's log as a gateway does (tests run two or more beside each
 * other on one state dir). argv: <state dir> <name> <rotation JSON> [count].
 * With a count it logs `count` numbered lines (`{ writer: name, index }`), pausing on a 1 ms timer
 * every few lines so its size checks (an interval of `checkMs`) are due at every pause however fast
 * the machine writes, then exits. (A bare yield to the loop let a fast machine write all its lines
 * between two checks: few rotations, a test that depended on the machine's speed.) Without one it logs each line of stdin as a
 * message and answers `logged` on stdout once the line is written.
 */
import { createInterface } from "node:readline";
import { setTimeout as sleep } from "node:timers/promises";
import { gatewayLogger } from "../../src/cli/gateway/logger.js";
import type { RotationLimits } from "../../src/cli/gateway/log-rotation.js";

const [stateDir, name, rotationJson, countText] = process.argv.slice(2);
if (!stateDir || !name || !rotationJson) throw new Error("usage: log-writer-process <state dir> <name> <rotation JSON> [count]");
const log = gatewayLogger({ stateDir, rotation: JSON.parse(rotationJson) as RotationLimits });

if (countText !== undefined) {
  const count = Number(countText);
  for (let index = 0; index < count; index++) {
    log.logger.info({ writer: name, index }, "line");
    if (index % 5 === 0) await sleep(1);
  }
  log.close();
} else {
  process.stdout.write("ready\n");
  for await (const line of createInterface({ input: process.stdin })) {
    log.logger.info({ writer: name }, line);
    process.stdout.write("logged\n");
  }
  log.close();
}
