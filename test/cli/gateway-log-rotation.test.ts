import assert from "node:assert/strict";
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { after, describe, test } from "node:test";
import { gatewayLogger } from "../../src/cli/gateway/logger.js";
import { SecretRedactor } from "../../src/shared/secret-redactor.js";
import { tempDir } from "../helpers/run-cli.js";

const lines = (file: string): string[] => readFileSync(file, "utf8").split("\n").filter(Boolean);

describe("the gateway's log stays bounded", () => {
  const temp = tempDir();
  after(() => temp.cleanup());

  test("past maxBytes the log is set aside as gateway.log.1 … .<keep>, the oldest dropped; new lines go to a new owner-only file", async () => {
    const stateDir = join(temp.dir, "running");
    const log = gatewayLogger({ stateDir, rotation: { maxBytes: 2_000, keep: 2, checkMs: 20 } });
    try {
      const dir = join(stateDir, "logs");
      for (let round = 1; round <= 4; round++) {
        for (let index = 0; index < 30; index++) log.logger.info({ round, index }, "request");
        // The size check runs on its own timer: wait for the file to be set aside.
        const deadline = Date.now() + 5_000;
        while (statSync(log.file).size >= 2_000 && Date.now() < deadline) await sleep(20);
        log.logger.info({ round }, "after the rotation");
      }
      assert.deepEqual(readdirSync(dir).sort(), ["gateway.log", "gateway.log.1", "gateway.log.2"], "two set aside, the older ones dropped");
      assert.deepEqual(lines(log.file).map((line) => JSON.parse(line).msg), ["after the rotation"], "the running file starts afresh");
      assert.equal(JSON.parse(lines(log.file)[0] ?? "{}").round, 4);
      assert.equal(JSON.parse(lines(join(dir, "gateway.log.1"))[0] ?? "{}").round, 3, "the newest set-aside log is .1");
      for (const name of readdirSync(dir)) assert.equal(statSync(join(dir, name)).mode & 0o777, 0o600, name);
    } finally {
      log.close();
    }
  });

  test("a log already past the limit at start is set aside before the first line", () => {
    const stateDir = join(temp.dir, "restarted");
    const first = gatewayLogger({ stateDir, rotation: { maxBytes: 1_000, keep: 3, checkMs: 60_000 } });
    first.close();
    writeFileSync(first.file, `${"x".repeat(1_200)}\n`);
    const second = gatewayLogger({ stateDir, rotation: { maxBytes: 1_000, keep: 3, checkMs: 60_000 } });
    try {
      second.logger.info({}, "gateway started");
      assert.ok(existsSync(`${second.file}.1`));
      assert.deepEqual(lines(second.file).map((line) => JSON.parse(line).msg), ["gateway started"]);
    } finally {
      second.close();
    }
  });

  test("secrets and message bodies stay out of every file, set aside or not", async () => {
    const stateDir = join(temp.dir, "secrets");
    const secrets = new SecretRedactor();
    secrets.add(["sk-live-0123456789abcdef"]);
    const log = gatewayLogger({ stateDir, secrets, rotation: { maxBytes: 500, keep: 2, checkMs: 20 } });
    try {
      for (let index = 0; index < 20; index++) log.logger.info({ text: "the user's words", upstream: "key sk-live-0123456789abcdef" }, "call");
      const deadline = Date.now() + 5_000;
      while (!existsSync(`${log.file}.1`) && Date.now() < deadline) await sleep(20);
      log.logger.info({ text: "more words" }, "call");
      const dir = join(stateDir, "logs");
      const all = readdirSync(dir).map((name) => readFileSync(join(dir, name), "utf8")).join("");
      assert.ok(existsSync(`${log.file}.1`));
      assert.doesNotMatch(all, /sk-live-0123456789abcdef|the user's words|more words/);
    } finally {
      log.close();
    }
  });
});
