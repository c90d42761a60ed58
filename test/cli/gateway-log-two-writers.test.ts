import assert from "node:assert/strict";
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { appendFileSync, mkdirSync, readFileSync, readdirSync, renameSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { after, describe, test } from "node:test";
import { followLog } from "../../src/ops/gateway-log.js";
import { repoRoot, tempDir } from "../helpers/run-cli.js";

const writerScript = join(repoRoot, "test/helpers/log-writer-process.ts");

interface Writer {
  /** Logs `message` and resolves once it is written. */
  log(message: string): Promise<void>;
  stop(): Promise<void>;
}

/** A second process writing the same state dir's log, one message at a time (see log-writer-process.ts). */
async function startWriter(stateDir: string, name: string, rotation: object): Promise<Writer> {
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, ["--import", "tsx", writerScript, stateDir, name, JSON.stringify(rotation)], { cwd: repoRoot });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const replies = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async (expected: string): Promise<void> => {
    const reply = await replies.next();
    assert.equal(reply.value, expected, `writer ${name}: ${stderr}`);
  };
  await next("ready");
  return {
    log: async (message) => {
      child.stdin.write(`${message}\n`);
      await next("logged");
    },
    stop: async () => {
      child.stdin.end();
      const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
      assert.equal(code, 0, `writer ${name}: ${stderr}`);
    },
  };
}

/** Runs writers that each log `count` numbered lines at once, and waits for all of them. */
async function writeTogether(stateDir: string, options: { writers: number; count: number; rotation: object }): Promise<void> {
  const runs = Array.from({ length: options.writers }, (_, index) => {
    const child = spawn(process.execPath, ["--import", "tsx", writerScript, stateDir, `w${index}`, JSON.stringify(options.rotation), String(options.count)], { cwd: repoRoot });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    return new Promise<void>((resolve, reject) => child.once("exit", (code) => (code === 0 ? resolve() : reject(new Error(`writer w${index} exited ${code}: ${stderr}`)))));
  });
  await Promise.all(runs);
}

const records = (file: string): Record<string, unknown>[] =>
  readFileSync(file, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);

describe("two gateways on one state dir share its log", () => {
  const temp = tempDir();
  after(() => temp.cleanup());

  test("after one sets gateway.log aside, the other writes into the new gateway.log, not into gateway.log.1", async () => {
    const stateDir = join(temp.dir, "reopen");
    const file = join(stateDir, "logs", "gateway.log");
    // The first never rotates by itself; the second, started on a log past its limit, sets it aside at start.
    const first = await startWriter(stateDir, "first", { maxBytes: 1_000_000, keep: 3, checkMs: 3_600_000 });
    const second = await startWriter(stateDir, "second", { maxBytes: 1_000_000, keep: 3, checkMs: 3_600_000 });
    try {
      await first.log("before the rotation");
      await first.stop();
      const restarted = await startWriter(stateDir, "restarted", { maxBytes: 10, keep: 3, checkMs: 3_600_000 });
      await restarted.log("after the rotation, from the one that rotated");
      await second.log("after the rotation, from the other");
      await restarted.stop();
      assert.deepEqual(
        records(`${file}.1`).map((record) => record.msg),
        ["before the rotation"],
      );
      assert.deepEqual(
        records(file).map((record) => record.msg),
        ["after the rotation, from the one that rotated", "after the rotation, from the other"],
        "what hearth logs shows has both writers' lines",
      );
      assert.equal(statSync(file).mode & 0o777, 0o600);
    } finally {
      await second.stop();
    }
  });

  test("four writers rotating at once: no line lost, none written twice, no file set aside twice", async () => {
    const stateDir = join(temp.dir, "together");
    const dir = join(stateDir, "logs");
    const rotation = { maxBytes: 6_000, keep: 400, checkMs: 1 };
    await writeTogether(stateDir, { writers: 4, count: 1_500, rotation });
    const names = readdirSync(dir).filter((name) => name.startsWith("gateway.log"));
    const all = names.flatMap((name) => records(join(dir, name)));
    assert.deepEqual(all.filter((record) => record.msg !== "line"), [], "nothing but the writers' lines (no warnings)");
    const seen = new Map<string, number>();
    for (const { writer, index } of all) seen.set(`${String(writer)}:${String(index)}`, (seen.get(`${String(writer)}:${String(index)}`) ?? 0) + 1);
    assert.equal(seen.size, 4 * 1_500, "every line is in one of the files");
    assert.deepEqual([...seen.values()].filter((times) => times !== 1), [], "no line twice");
    assert.ok(names.length > 10, `the log was set aside many times (${names.join(", ")})`);
    // A file is set aside only once it has reached maxBytes: one set aside again by a second
    // process right after the first began it would be nearly empty.
    const small = names.filter((name) => name !== "gateway.log" && statSync(join(dir, name)).size < rotation.maxBytes);
    assert.deepEqual(small, [], "every set-aside file had reached the limit");
  });

  test("logs --follow reads what was still written to the set-aside file, then the new one from its start", async () => {
    const dir = join(temp.dir, "follow", "logs");
    mkdirSync(dir, { recursive: true });
    const file = join(dir, "gateway.log");
    writeFileSync(file, "old 1\n");
    const controller = new AbortController();
    const lines = followLog(file, { offset: 0, signal: controller.signal, pollMs: 5 });
    try {
      assert.equal((await lines.next()).value, "old 1");
      // One gateway sets the log aside; the other writes one more line into it before it notices.
      renameSync(file, `${file}.1`);
      appendFileSync(`${file}.1`, "old 2, late\n");
      writeFileSync(file, "new\n");
      assert.equal((await lines.next()).value, "old 2, late");
      assert.equal((await lines.next()).value, "new");
      appendFileSync(file, "new 2\n");
      assert.equal((await lines.next()).value, "new 2");
      // A new file already longer than where reading was (its size says nothing of a rotation).
      renameSync(file, `${file}.1`);
      writeFileSync(file, "newer, and longer than the old one was\n");
      assert.equal((await lines.next()).value, "newer, and longer than the old one was");
    } finally {
      controller.abort();
      await lines.return(undefined);
    }
  });
});
