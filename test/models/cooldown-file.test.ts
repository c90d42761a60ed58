import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { cooldownFile } from "../../src/models/cooldown-file.js";
import { tempDir } from "../helpers/run-cli.js";

const temp = tempDir();
after(() => temp.cleanup());
const NOW = Date.UTC(2026, 5, 1);

function loadFrom(name: string, text: string | undefined) {
  const dir = join(temp.dir, name);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, "cooldowns.json");
  if (text !== undefined) writeFileSync(file, text);
  const warnings: string[] = [];
  const entries = cooldownFile(file, { now: () => NOW, onWarning: (message) => warnings.push(message) }).load();
  return { entries, warnings, dir, file };
}

test("a cooldowns file as hearth writes it loads as is", () => {
  const good = { "lmstudio/m": { failures: 2, until: NOW + 30_000, kind: "timeout" } };
  const { entries, warnings } = loadFrom("good", JSON.stringify(good));
  assert.deepEqual(entries, good);
  assert.deepEqual(warnings, []);
  assert.deepEqual(loadFrom("missing", undefined).entries, {}, "no file: no cooldowns, no warning");
});

for (const [name, text, reason] of [
  ["null", '{"a/m": null}', /a\/m: .*expected object/],
  ["a week and more ahead", JSON.stringify({ "a/m": { failures: 1, until: NOW + 8 * 24 * 3_600_000, kind: "timeout" } }), /a\/m\.until: Too big/],
  ["no failures", JSON.stringify({ "a/m": { failures: 0, until: NOW, kind: "timeout" } }), /a\/m\.failures/],
  ["a key that is not a model ref", JSON.stringify({ nothing: { failures: 1, until: NOW, kind: "timeout" } }), /model ref/],
  ["a fraction", JSON.stringify({ "a/m": { failures: 1.5, until: NOW, kind: "timeout" } }), /a\/m\.failures/],
] as const) {
  test(`a cooldown with ${name}: that entry is skipped with a warning, the others read; the file is not set aside for it`, () => {
    const good = { "lmstudio/m": { failures: 2, until: NOW + 30_000, kind: "timeout" } };
    const { entries, warnings, dir, file } = loadFrom(`skip-${name.replace(/\W+/g, "-")}`, JSON.stringify({ ...(JSON.parse(text) as object), ...good }));
    assert.deepEqual(entries, good);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0] ?? "", reason);
    assert.match(warnings[0] ?? "", /that entry is skipped/);
    assert.equal(existsSync(file), true);
    assert.deepEqual(readdirSync(dir), ["cooldowns.json"]);
  });
}

for (const [name, text] of [
  ["no JSON", "{ not json"],
  ["a list", "[1, 2]"],
  ["a string", '"cooldowns"'],
] as const) {
  test(`a cooldowns file with ${name}: set aside as cooldowns.json.bad-<time>, a warning, no cooldowns`, () => {
    const { entries, warnings, dir, file } = loadFrom(`whole-${name.replace(/\W+/g, "-")}`, text);
    assert.deepEqual(entries, {});
    assert.equal(warnings.length, 1);
    assert.match(warnings[0] ?? "", /is not a valid cooldowns file/);
    assert.equal(existsSync(file), false);
    assert.deepEqual(readdirSync(dir), ["cooldowns.json.bad-2026-06-01T00-00-00-000Z"]);
  });
}

test("a newer hearth's cooldowns (a field this one does not know, a failure kind it does not know) are read as far as they can be, never set aside; each skipped entry said once", () => {
  const dir = join(temp.dir, "newer");
  mkdirSync(dir, { recursive: true });
  const file = join(dir, "cooldowns.json");
  const warnings: string[] = [];
  const reader = cooldownFile(file, { now: () => NOW, onWarning: (message) => warnings.push(message) });
  for (let write = 0; write < 3; write++) {
    writeFileSync(file, JSON.stringify({ "lmstudio/m": { failures: 1, until: NOW + 30_000 + write, kind: "timeout", phase: "first-byte", seenBy: "gateway-2" }, "a/n": { failures: 1, until: NOW + 5_000, kind: "quota-gone" } }));
    assert.deepEqual(reader.load(), { "lmstudio/m": { failures: 1, until: NOW + 30_000 + write, kind: "timeout", phase: "first-byte" } });
  }
  assert.deepEqual(readdirSync(dir), ["cooldowns.json"]);
  assert.equal(warnings.length, 1, warnings.join("\n"));
  assert.match(warnings[0] ?? "", /a\/n\.kind: .*that entry is skipped/);
});

test("a cooldowns file that is a FIFO is not read (nothing hangs): a warning, no cooldowns", () => {
  const dir = join(temp.dir, "fifo");
  mkdirSync(dir);
  execFileSync("mkfifo", [join(dir, "cooldowns.json")]);
  const warnings: string[] = [];
  assert.deepEqual(cooldownFile(join(dir, "cooldowns.json"), { onWarning: (message) => warnings.push(message) }).load(), {});
  assert.match(warnings[0] ?? "", /it is a named pipe \(FIFO\), not a regular file — hearth keeps its state in plain files: move .* aside .*; going on without remembered cooldowns/);
});

test("a gateway and a command beside it share the file: neither loses the other's entries", async () => {
  const { Cooldowns, DEFAULT_COOLDOWN } = await import("../../src/models/cooldowns.js");
  const { ManualClock } = await import("../helpers/manual-clock.js");
  const dir = join(temp.dir, "shared");
  mkdirSync(dir, { recursive: true });
  const path = join(dir, "cooldowns.json");
  const clock = new ManualClock(NOW);
  const persistence = () => cooldownFile(path, { now: () => clock.now() });
  const gateway = new Cooldowns(clock, DEFAULT_COOLDOWN, persistence());
  const command = new Cooldowns(clock, DEFAULT_COOLDOWN, persistence());
  gateway.fail("lmstudio/m", { kind: "timeout", message: "hang" });
  command.fail("openrouter/x", { kind: "rate-limit", message: "429", retryAfterMs: 60_000 });
  gateway.fail("other/m", { kind: "timeout", message: "hang" });
  const read = (): Record<string, { until: number }> => JSON.parse(readFileSync(path, "utf8")) as Record<string, { until: number }>;
  assert.deepEqual(Object.keys(read()).sort(), ["lmstudio/m", "openrouter/x", "other/m"]);
  command.fail("lmstudio/m", { kind: "timeout", message: "hang again" });
  const later = read()["lmstudio/m"]?.until;
  gateway.succeed("other/m");
  assert.deepEqual(Object.keys(read()).sort(), ["lmstudio/m", "openrouter/x"], "what the gateway ended is gone, the rest kept");
  assert.equal(read()["lmstudio/m"]?.until, later, "the later cooldown of the two wins");
  assert.equal(existsSync(`${path}.lock`), false, "the lock is released after each write");
  clock.advance(DEFAULT_COOLDOWN.timeoutBaseMs * 2 + 10 * 60_000 + 1);
  new Cooldowns(clock, DEFAULT_COOLDOWN, persistence()).fail("fresh/m", { kind: "timeout", message: "hang" });
  assert.deepEqual(Object.keys(read()), ["fresh/m"], "entries long expired drop out");
});

test("a lock left by a process that died is taken over", () => {
  const dir = join(temp.dir, "stale-lock");
  mkdirSync(dir, { recursive: true });
  const path = join(dir, "cooldowns.json");
  mkdirSync(`${path}.lock`);
  const old = new Date(Date.now() - 60_000);
  utimesSync(`${path}.lock`, old, old);
  cooldownFile(path).save({ "lmstudio/m": { failures: 1, until: Date.now() + 60_000, kind: "timeout" } });
  assert.deepEqual(Object.keys(JSON.parse(readFileSync(path, "utf8")) as object), ["lmstudio/m"]);
  assert.equal(existsSync(`${path}.lock`), false);
});

test("a lock left by a process killed a moment ago (not yet stale): each write waits a little, goes without it, and says so once", () => {
  const dir = join(temp.dir, "fresh-lock");
  mkdirSync(dir, { recursive: true });
  const path = join(dir, "cooldowns.json");
  mkdirSync(`${path}.lock`);
  const warnings: string[] = [];
  const file = cooldownFile(path, { onWarning: (message) => warnings.push(message) });
  file.save({ "lmstudio/m": { failures: 1, until: Date.now() + 60_000, kind: "timeout" } });
  file.save({ "ollama/m": { failures: 1, until: Date.now() + 60_000, kind: "timeout" } });
  assert.deepEqual(Object.keys(JSON.parse(readFileSync(path, "utf8")) as object).sort(), ["lmstudio/m", "ollama/m"], "both writes were made");
  assert.equal(warnings.length, 1, "said once, not at every write");
  assert.match(warnings[0] ?? "", /cooldowns\.json was written without its lock — .*cooldowns\.json\.lock is held: by another hearth process writing it, or left by one killed while it wrote \(it is taken over once 5 s old\); a save another hearth process makes at the same moment may be lost/);
  assert.equal(existsSync(`${path}.lock`), true, "another's lock is not removed before it is stale");
});

test("the lock warning is said once an episode: after a write that took the lock, a write without it is said again", () => {
  const dir = join(temp.dir, "lock-episodes");
  mkdirSync(dir, { recursive: true });
  const path = join(dir, "cooldowns.json");
  const warnings: string[] = [];
  const file = cooldownFile(path, { onWarning: (message) => warnings.push(message) });
  const entry = { failures: 1, until: Date.now() + 60_000, kind: "timeout" as const };
  mkdirSync(`${path}.lock`);
  file.save({ "lmstudio/m": entry });
  file.save({ "lmstudio/m": entry });
  assert.equal(warnings.length, 1, "the first episode: said once");
  rmSync(`${path}.lock`, { recursive: true });
  file.save({ "ollama/m": entry });
  assert.equal(warnings.length, 1, "a write that takes the lock says nothing");
  mkdirSync(`${path}.lock`);
  file.save({ "other/m": entry });
  file.save({ "other/m": entry });
  assert.equal(warnings.length, 2, "the second episode is said again, once");
  assert.match(warnings[1] ?? "", /cooldowns\.json was written without its lock/);
});

test("temporary files that killed processes left (cooldowns.json.<pid>.tmp) are removed at start; a live process's is left", () => {
  const dir = join(temp.dir, "left-tmp");
  mkdirSync(dir, { recursive: true });
  const path = join(dir, "cooldowns.json");
  // A process that has ended: its pid is no process now.
  const dead = execFileSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
  writeFileSync(`${path}.${dead}.tmp`, "{");
  writeFileSync(`${path}.${process.ppid}.tmp`, "{");
  writeFileSync(join(dir, `other.json.${dead}.tmp`), "{");
  cooldownFile(path).load();
  assert.deepEqual(readdirSync(dir).sort(), [`cooldowns.json.${process.ppid}.tmp`, `other.json.${dead}.tmp`]);
});

test("a gateway (shares every) writes every cooldown it starts and ends; a one-shot command skips only hangs and rate limits", async () => {
  const { Cooldowns, DEFAULT_COOLDOWN } = await import("../../src/models/cooldowns.js");
  const { ManualClock } = await import("../helpers/manual-clock.js");
  const dir = join(temp.dir, "every");
  mkdirSync(dir, { recursive: true });
  const path = join(dir, "cooldowns.json");
  const clock = new ManualClock(NOW);
  const gateway = new Cooldowns(clock, DEFAULT_COOLDOWN, cooldownFile(path, { now: () => clock.now(), shares: "every" }));
  gateway.fail("anthropic/opus", { kind: "auth", message: "401" });
  gateway.fail("local/m", { kind: "unreachable", message: "refused" });
  gateway.fail("hung/m", { kind: "timeout", message: "hang" });
  const read = (): Record<string, { kind: string }> => JSON.parse(readFileSync(path, "utf8")) as Record<string, { kind: string }>;
  assert.deepEqual(Object.fromEntries(Object.entries(read()).map(([ref, entry]) => [ref, entry.kind])), { "anthropic/opus": "auth", "local/m": "unreachable", "hung/m": "timeout" });
  const command = new Cooldowns(clock, DEFAULT_COOLDOWN, cooldownFile(path, { now: () => clock.now() }));
  assert.equal(command.until("anthropic/opus"), undefined, "a one-shot command asks a refused key again");
  assert.notEqual(command.until("hung/m"), undefined);
  const status = new Cooldowns(clock, DEFAULT_COOLDOWN, cooldownFile(path, { now: () => clock.now(), shares: "every" }));
  assert.equal(status.current("anthropic/opus")?.kind, "auth", "models status shows what the gateway skips");
  gateway.succeed("anthropic/opus");
  gateway.clearProvider("local");
  assert.deepEqual(Object.keys(read()), ["hung/m"], "what the gateway ended is gone from the file");
});

test("a refused key the gateway writes is read back by every process (doctor, models status, the gateway's next write): never set aside as damaged", async () => {
  const { Cooldowns, DEFAULT_COOLDOWN } = await import("../../src/models/cooldowns.js");
  const { ManualClock } = await import("../helpers/manual-clock.js");
  const dir = join(temp.dir, "key-refused");
  const file = join(dir, "cooldowns.json");
  const clock = new ManualClock(NOW);
  const warnings: string[] = [];
  const gateway = new Cooldowns(clock, DEFAULT_COOLDOWN, cooldownFile(file, { now: () => clock.now(), shares: "every", onWarning: (message) => warnings.push(message) }));
  gateway.knowServers([{ ref: "hosted/a", provider: "hosted", replicas: ["https://api.example.com/v1"], apiKey: "sk-refused-0123456789" }, { ref: "hosted/b", provider: "hosted", replicas: ["https://api.example.com/v1"], apiKey: "sk-refused-0123456789" }]);
  gateway.fail("hosted/a", { kind: "auth", status: 401, message: "Incorrect API key provided", keyRefused: true });
  gateway.fail("other/c", { kind: "rate-limit", status: 429, message: "slow down", retryAfterMs: 30_000 });
  const beside = cooldownFile(file, { now: () => clock.now(), onWarning: (message) => warnings.push(message) }).load();
  assert.deepEqual(warnings, []);
  assert.deepEqual(Object.keys(beside).sort(), ["hosted/a", "hosted/b", "other/c"]);
  assert.match(beside["hosted/b"]?.keyRefused?.why ?? "", /^the server refused the API key hosted\/a was called with: the key is the config's models\.providers\.hosted\.apiKey: write a valid one there; /);
  assert.deepEqual(readdirSync(dir).filter((name) => name.includes(".bad-")), [], "nothing set aside");
  assert.doesNotMatch(readFileSync(file, "utf8"), /sk-refused/);
});

test("a cooldowns.json that became a folder: said once with the fix (not at every cooldown), no temporary file left; written again once it is moved aside", () => {
  const dir = join(temp.dir, "folder");
  const file = join(dir, "cooldowns.json");
  mkdirSync(file, { recursive: true });
  const warnings: string[] = [];
  const persistence = cooldownFile(file, { now: () => NOW, onWarning: (message) => warnings.push(message) });
  const entry = { "lmstudio/m": { failures: 1, until: NOW + 30_000, kind: "timeout" as const } };
  for (let save = 0; save < 3; save++) persistence.save(entry);
  assert.equal(warnings.length, 2, warnings.join("\n"));
  assert.match(warnings[0] ?? "", new RegExp(`cannot read the cooldowns from ${file}: it is a directory, not a regular file — .*move ${file} aside.*; going on without remembered cooldowns`));
  assert.match(warnings[1] ?? "", new RegExp(`cannot save the cooldowns to ${file}: it is a directory, not a file — move ${file} aside.*; cooldowns are kept in this process only`));
  assert.deepEqual(readdirSync(dir).filter((name) => name.endsWith(".tmp")), [], "no temporary file left");
  execFileSync("mv", [file, `${file}.aside`]);
  persistence.save(entry);
  assert.deepEqual(JSON.parse(readFileSync(file, "utf8")), entry);
  assert.equal(warnings.length, 2);
});
