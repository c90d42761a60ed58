import assert from "node:assert/strict";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { cooldownFile } from "../../src/models/cooldown-file.js";
import { Cooldowns } from "../../src/models/cooldowns.js";
import { ManualClock } from "../helpers/manual-clock.js";
import { tempDir } from "../helpers/run-cli.js";

// A gateway and a `hearth agent` beside it, on one real cooldowns.json: what the gateway takes from the command (takeShared).
const temp = tempDir();
after(() => temp.cleanup());
const local = { ref: "lmstudio/local", replicas: ["http://127.0.0.1:1234/v1"], provider: "lmstudio" };
const hosted = { ref: "anthropic/opus", replicas: ["https://api.anthropic.com"], provider: "anthropic" };
const hung = { kind: "timeout", phase: "first-byte", message: "no first byte" } as const;

function beside(name: string) {
  const dir = join(temp.dir, name);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, "cooldowns.json");
  // The file's times are the system's: the clock starts there, so that "changed since the last look" is judged as a gateway judges it.
  const clock = new ManualClock(Date.now());
  const gateway = new Cooldowns(clock, undefined, cooldownFile(file, { shares: "every", now: () => clock.now() }));
  gateway.knowServers([local, hosted]);
  const command = (): Cooldowns => {
    const made = new Cooldowns(clock, undefined, cooldownFile(file, { now: () => clock.now() }));
    made.knowServers([local, hosted]);
    return made;
  };
  const tick = (): void => {
    clock.advance(2_200);
    gateway.takeShared();
  };
  return { gateway, command, tick, clock, file };
}

test("a hang the command found is taken by the gateway: it skips the model too", () => {
  const { gateway, command, tick } = beside("taken");
  command().fail(local.ref, hung);
  tick();
  assert.equal(gateway.reason(local.ref), "timeout");
});

test("a command's hang that began before the gateway's own answer from the model is not taken: the answer is newer", () => {
  const { gateway, command, tick, clock } = beside("answered-after");
  command().fail(local.ref, hung);
  clock.advance(1_000);
  gateway.succeed(local.ref);
  tick();
  assert.equal(gateway.until(local.ref), undefined, "the model answered the gateway after the command's call hung");
});

test("no cooldown of the model is taken while the gateway's own call to it is under way; its answer then outweighs it", () => {
  const { gateway, command, tick } = beside("in-flight");
  const ended = gateway.calling(local.ref);
  // The command's call waited behind the gateway's generation on a one-slot server and hit its first-byte timeout.
  command().fail(local.ref, hung);
  tick();
  assert.equal(gateway.until(local.ref), undefined, "other turns still queue on the model that is answering the gateway");
  tick();
  assert.equal(gateway.until(local.ref), undefined);
  gateway.succeed(local.ref);
  ended();
  tick();
  assert.equal(gateway.until(local.ref), undefined, "the gateway's answer came after the command's failure");
});

test("a call under way that ends without an answer (cancelled) lets the command's cooldown be taken at the next look, the file unchanged", () => {
  const { gateway, command, tick } = beside("in-flight-cancelled");
  const ended = gateway.calling(local.ref);
  command().fail(local.ref, hung);
  tick();
  assert.equal(gateway.until(local.ref), undefined);
  ended();
  tick();
  assert.equal(gateway.reason(local.ref), "timeout");
});

test("a cooldown taken from the command is ended in the gateway once the command's next answer ends it in the file", () => {
  const { gateway, command, tick } = beside("ended-by-command");
  const first = command();
  first.fail(local.ref, hung);
  tick();
  assert.equal(gateway.reason(local.ref), "timeout");
  command().succeed(local.ref);
  tick();
  assert.equal(gateway.until(local.ref), undefined);
});

test("a command that loaded the gateway's cooldown does not bring it back after the gateway ended it", () => {
  const { gateway, command, tick, clock, file } = beside("no-resurrection");
  gateway.fail(local.ref, hung);
  clock.advance(1_000);
  const cli = command();
  assert.equal(cli.reason(local.ref), "timeout", "the command loads the gateway's hang");
  clock.advance(5_000);
  gateway.succeed(local.ref);
  clock.advance(5_000);
  // The command saves a cooldown of its own: only that one is written.
  cli.fail(hosted.ref, { kind: "rate-limit", message: "429", retryAfterMs: 60_000 });
  assert.deepEqual(Object.keys(JSON.parse(readFileSync(file, "utf8")) as object), [hosted.ref]);
  tick();
  assert.equal(gateway.until(local.ref), undefined);
  assert.equal(gateway.reason(hosted.ref), "rate-limit", "the command's own cooldown is taken");
});

test("a command's further failure of a model it loaded is its own: written, with the failures counted on", () => {
  const { gateway, command, file } = beside("counted-on");
  gateway.fail(local.ref, hung);
  command().fail(local.ref, hung);
  const written = JSON.parse(readFileSync(file, "utf8")) as Record<string, { failures: number }>;
  assert.equal(written[local.ref]?.failures, 2);
});

test("the gateway reads the cooldowns file again only when it changed (a stat per look, not a read)", () => {
  const dir = join(temp.dir, "counted");
  mkdirSync(dir, { recursive: true });
  const file = join(dir, "cooldowns.json");
  const clock = new ManualClock(Date.now());
  const real = cooldownFile(file, { shares: "every", now: () => clock.now() });
  let loads = 0;
  const gateway = new Cooldowns(clock, undefined, { ...real, load: () => (loads++, real.load()) });
  const command = new Cooldowns(clock, undefined, cooldownFile(file, { now: () => clock.now() }));
  command.fail(local.ref, hung);
  const before = loads;
  for (let look = 0; look < 3; look++) {
    clock.advance(2_200);
    gateway.takeShared();
  }
  assert.equal(loads - before, 1, "three looks at an unchanged file: one read");
  command.fail(hosted.ref, { kind: "rate-limit", message: "429" });
  clock.advance(2_200);
  gateway.takeShared();
  assert.equal(loads - before, 2, "changed: read again");
  assert.equal(gateway.reason(hosted.ref), "rate-limit");
});

test("a cooldown a gateway loaded at its start is ended there once the command's answer ends it in the file", () => {
  const { command, clock, file } = beside("loaded-at-start");
  command().fail(local.ref, hung);
  const started = new Cooldowns(clock, undefined, cooldownFile(file, { shares: "every", now: () => clock.now() }));
  started.knowServers([local, hosted]);
  assert.equal(started.reason(local.ref), "timeout");
  command().succeed(local.ref);
  clock.advance(2_200);
  started.takeShared();
  assert.equal(started.until(local.ref), undefined);
});
