// A second gateway's log rotation, for the race test (test/cli/gateway-log-rotation-race.test.ts):
// `node --import tsx log-rotation-racer.ts <barrier dir> <maxBytes> <log file>…` rotates each log
// in turn and prints the ones it set aside, as JSON. The two racers meet at a barrier right after each
// has read a log's lock (where it judges the holder dead), so both judge the same stale lock at the
// same instant, the race a gateway meets only by chance; and setting a log aside is slowed, so the
// holder still holds the lock when the other acts. node:fs is wrapped (syncBuiltinESMExports)
// before log-rotation.ts is loaded, so its own imports see the wrapper.
import nodeFs from "node:fs";
import { syncBuiltinESMExports } from "node:module";
import { basename, join } from "node:path";

const [barrierArg, maxBytes, ...logs] = process.argv.slice(2);
if (!barrierArg || !maxBytes || logs.length === 0) throw new Error("usage: log-rotation-racer.ts <barrier dir> <maxBytes> <log file>…");
const barrier: string = barrierArg;

const pause = new Int32Array(new SharedArrayBuffer(4));
const met = new Set<string>();
/** Waits (synchronously, as the rotation runs) until both racers have read this lock once. */
function meet(lock: string): void {
  const name = basename(lock);
  if (met.has(name)) return;
  met.add(name);
  nodeFs.writeFileSync(join(barrier, `${name}.${process.pid}`), "");
  const deadline = Date.now() + 20_000;
  while (nodeFs.readdirSync(barrier).filter((entry) => entry.startsWith(`${name}.`)).length < 2) {
    if (Date.now() > deadline) throw new Error(`the other racer never read ${name}`);
    Atomics.wait(pause, 0, 0, 1);
  }
}

const read = nodeFs.readFileSync;
const wrapped = ((path: nodeFs.PathOrFileDescriptor, options?: unknown) => {
  const result = read(path, options as never);
  if (typeof path === "string" && path.endsWith(".lock")) meet(path);
  return result;
}) as typeof nodeFs.readFileSync;
nodeFs.readFileSync = wrapped;
// Setting a log aside takes a while (a slow disk, a process descheduled): the lock is held meanwhile.
const rename = nodeFs.renameSync;
nodeFs.renameSync = (from: nodeFs.PathLike, to: nodeFs.PathLike): void => {
  if (String(to).endsWith(".log.1")) Atomics.wait(pause, 0, 0, 30);
  rename(from, to);
};
syncBuiltinESMExports();

const { rotateIfLarge } = await import("../../src/cli/gateway/log-rotation.js");
const rotated = logs.filter((log) => rotateIfLarge(log, { maxBytes: Number(maxBytes), keep: 3 }));
process.stdout.write(`${JSON.stringify(rotated)}\n`);
