import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { test } from "node:test";
import { pino } from "pino";
import { gatewayLogger } from "../../src/cli/gateway/logger.js";

/** What the gateway's log promised before it censored fields itself: pino's own redaction by these paths. */
const PINO_PATHS = ["text", "*.text", "body", "*.body", "content", "*.content", "headers.authorization", "*.headers.authorization", "token", "*.token", "apiKey", "*.apiKey"];

const cases = (): Record<string, unknown>[] => [
  { method: "POST", path: "/v1/chat/completions", status: 200, ms: 3 },
  { text: "the user's words", body: { messages: ["hi"] }, content: "an answer", token: "t0ken", apiKey: "sk-123", kept: "visible" },
  { request: { text: "nested words", body: "nested body", model: "m" }, reply: { content: "nested answer", usage: 3 } },
  { headers: { authorization: "Bearer abc", accept: "json" }, upstream: { headers: { authorization: "Bearer def", host: "h" }, token: "x" } },
  { err: Object.assign(new Error("boom"), { body: "the server's error body", code: "E_X" }), path: "/v1/responses" },
  { list: [{ text: "in a list" }], deep: { inner: { text: "two levels down" } }, empty: null, missing: undefined, text: undefined },
];

test("the log censors message bodies and credentials by field name, line for line as pino's redact paths did, and never changes what was logged", () => {
  const dir = mkdtempSync(join(tmpdir(), "hearth-log-"));
  try {
    const { logger, file } = gatewayLogger({ stateDir: dir });
    const lines: string[] = [];
    const oracle = pino({ base: { pid: process.pid }, redact: { paths: PINO_PATHS, censor: "[redacted]" } }, new Writable({ write: (chunk: Buffer, _encoding, done) => (lines.push(chunk.toString()), done()) }));
    const logged = cases();
    const before = logged.map((fields) => JSON.stringify(fields));
    for (const fields of logged) {
      logger.info(fields, "line");
      oracle.info(fields, "line");
    }
    const withoutTime = (line: string): unknown => ({ ...(JSON.parse(line) as Record<string, unknown>), time: 0, hostname: undefined });
    const ours = readFileSync(file, "utf8").trim().split("\n").map(withoutTime);
    assert.deepEqual(ours, lines.map(withoutTime));
    const written = readFileSync(file, "utf8");
    for (const secret of ["the user's words", "nested words", "nested body", "nested answer", "Bearer abc", "Bearer def", "sk-123", "t0ken", "the server's error body"]) assert.equal(written.includes(secret), false, secret);
    for (const kept of ["visible", "boom", "E_X", "in a list", "two levels down", "Error: boom"]) assert.equal(written.includes(kept), true, kept);
    assert.deepEqual(logged.map((fields) => JSON.stringify(fields)), before);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
