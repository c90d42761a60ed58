// Trial t21 #8: `hearth gateway` said "stopped" after SIGTERM and stayed alive, held by a handle a channel library
// left open (a socket, a timer) — a service manager waits, then kills it. A command that has returned ends its process
// even so. The real bin/hearth, with a preload that leaves a timer running for ever (what such a library does).
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { hearthBin, tempDir } from "../helpers/run-cli.js";

const temp = tempDir();
after(() => temp.cleanup());

test("a command that returned ends its process although a library left a handle open", async () => {
  const stray = join(temp.dir, "stray-handle.mjs");
  writeFileSync(stray, "setInterval(() => {}, 60_000);\n");
  const child = spawn(process.execPath, ["--import", stray, hearthBin, "--version"], { env: { PATH: process.env.PATH, HOME: temp.dir, NO_COLOR: "1" }, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
  const ended = await new Promise<number | null | "still running">((resolve) => {
    // Far past the command's own end and its linger: a process still alive then is held for ever.
    const bound = setTimeout(() => resolve("still running"), 30_000);
    child.once("exit", (code) => {
      clearTimeout(bound);
      resolve(code);
    });
  });
  if (ended === "still running") child.kill("SIGKILL");
  assert.equal(ended, 0, "the process ended, with the command's exit code");
  assert.match(out, /\d+\.\d+\.\d+/, "after the command's output");
});

test("a command's output to a reader slower than the linger reaches it whole: the process ends only once it is written (review s26-2 #1)", () => {
  const env = { PATH: process.env.PATH, HOME: temp.dir, NO_COLOR: "1" };
  const command = `"${process.execPath}" "${hearthBin}" models list --all --json`;
  // What the command writes (larger than a pipe's buffer), read at once.
  const whole = spawnSync("sh", ["-c", `${command} 2>/dev/null | wc -c`], { env, encoding: "utf8" }).stdout.trim();
  assert.ok(Number(whole) > 128 * 1024, `the output fills a pipe's buffer (${whole} bytes)`);
  // A reader that takes nothing for longer than the process may linger, then everything.
  const slow = spawnSync("sh", ["-c", `${command} 2>/dev/null | (sleep 4.5; wc -c)`], { env, encoding: "utf8" });
  assert.equal(slow.stdout.trim(), whole, "every byte reached the slow reader");
});
