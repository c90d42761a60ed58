import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { ProxyLedger, proxyLedgerFiles, readProxyLedger, type ProxyLedgerEntry } from "../../src/gateway/proxy-ledger.js";

const entry = (index: number): ProxyLedgerEntry => ({
  at: new Date(Date.UTC(2026, 11, 2, 6, index)).toISOString(),
  requested: "Local",
  model: "home/m",
  usage: { input: 10 + index, output: 5, cacheRead: 0, cacheWrite: 0, reasoning: 0, estimated: false },
  cost: 0,
  attempts: [{ model: "home/m", outcome: "ok", ms: 12, baseUrl: "http://127.0.0.1:1234/v1?key=sk-secret-0123456789" }],
});

test("the proxy ledger stays bounded (one older file kept, both read back), masks secrets, and an unwritable state dir is one warning", () => {
  const dir = mkdtempSync(join(tmpdir(), "hearth-proxy-ledger-"));
  try {
    const ledger = new ProxyLedger({ stateDir: dir, maxBytes: 700, redact: (text) => text.replaceAll("sk-secret-0123456789", "***") });
    for (let index = 0; index < 6; index++) {
      ledger.record(entry(index));
      ledger.flush();
    }
    const files = proxyLedgerFiles(dir);
    assert.ok(existsSync(files.previous), "set aside past the size");
    assert.ok(statSync(files.current).size < 1400);
    const read = readProxyLedger(dir);
    assert.equal(read.unreadable, 0);
    assert.ok(read.entries.length >= 3 && read.entries.length <= 6, String(read.entries.length));
    const newest = read.entries.at(-1);
    assert.equal(newest && "usage" in newest ? newest.usage.input : undefined, 15, "the newest last");
    assert.ok(read.entries.every((one) => one.attempts[0]?.baseUrl === "http://127.0.0.1:1234/v1?key=***"));

    const blocked = join(dir, "blocked");
    writeFileSync(blocked, "a file where the state dir should be");
    const warnings: string[] = [];
    const broken = new ProxyLedger({ stateDir: blocked, onWarning: (message) => warnings.push(message) });
    for (let index = 0; index < 3; index++) {
      broken.record(entry(index));
      broken.flush();
    }
    assert.equal(warnings.length, 1);
    assert.match(warnings[0] ?? "", /proxy-mode usage is not being recorded .*blocked/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
