// bin/hearth runs dist/bundle/ (made by `npm run build`) only while every file it was made from is
// unchanged; after a plain tsc it runs dist/cli/ as tsc wrote it: a stale bundle never runs.
import assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { after, before, describe, test } from "node:test";
import { installDir } from "../../src/shared/install-dir.js";
import { repoRoot, tempDir } from "../helpers/run-cli.js";

function version(checkout: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [join(checkout, "bin/hearth"), "--version"], { env: { PATH: process.env.PATH }, cwd: checkout }, (error, stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout.trim())));
  });
}

/** Rewrites `file`'s text; its size and mtime change as a tsc run's would. */
function edit(file: string, from: string, to: string): void {
  const text = readFileSync(file, "utf8");
  assert.ok(text.includes(from), `${file} holds ${from}`);
  writeFileSync(file, text.replace(from, to));
}

describe("the bundled CLI", () => {
  const copy = tempDir();
  const bundleDir = join(copy.dir, "dist/bundle");
  let bundleChunk = "";

  before(() => {
    assert.ok(existsSync(join(repoRoot, "dist/bundle/inputs.json")), "dist/bundle/ is missing: run `npm run build` (tests run after it)");
    const { inputs } = JSON.parse(readFileSync(join(repoRoot, "dist/bundle/inputs.json"), "utf8")) as { inputs: [string, number, number][] };
    const changed = inputs.filter(([file, size, mtimeMs]) => {
      const stat = statSync(join(repoRoot, file), { throwIfNoEntry: false });
      return stat?.size !== size || stat.mtimeMs !== mtimeMs;
    });
    assert.deepEqual(changed, [], "dist/bundle/ is older than what tsc wrote since: run `npm run build` (tests run after it)");
    // A checkout of its own (dist copied with its mtimes, the same node_modules), so that editing it touches nothing else.
    for (const part of ["bin", "package.json"]) cpSync(join(repoRoot, part), join(copy.dir, part), { recursive: true });
    // cp -a keeps mtimes to the nanosecond (cpSync's preserveTimestamps rounds them).
    execFileSync("cp", ["-a", join(repoRoot, "dist"), join(copy.dir, "dist")]);
    symlinkSync(join(repoRoot, "node_modules"), join(copy.dir, "node_modules"));
    const withVersion = readdirSync(bundleDir).filter((name) => name.endsWith(".js") && readFileSync(join(bundleDir, name), "utf8").includes('VERSION = "0.1.0"'));
    assert.equal(withVersion.length, 1, `one bundle chunk holds VERSION: ${withVersion.join(", ")}`);
    bundleChunk = join(bundleDir, withVersion[0] as string);
  });
  after(() => copy.cleanup());

  test("a bundle with a file missing or cut short is not run, and every command still works", async () => {
    // The chunk of one command (loaded only when that command runs): `hearth usage` breaks, --version would not.
    const usageChunk = join(bundleDir, readdirSync(bundleDir).find((name) => name.startsWith("usage-") && name.endsWith(".js")) ?? "usage chunk missing");
    const saved = readFileSync(usageChunk);
    const stamp = statSync(usageChunk);
    const usage = (): Promise<{ stdout: string; stderr: string }> =>
      new Promise((resolve) => {
        const env = { PATH: process.env.PATH, HOME: copy.dir, HEARTH_STATE_DIR: join(copy.dir, "state") };
        execFile(process.execPath, [join(copy.dir, "bin/hearth"), "usage"], { env, cwd: copy.dir }, (_error, stdout, stderr) => resolve({ stdout, stderr }));
      });
    try {
      const intact = await usage();
      assert.match(intact.stdout, /no usage recorded|model/i, "the intact bundle runs `hearth usage`");
      rmSync(usageChunk);
      const missing = await usage();
      assert.doesNotMatch(missing.stderr, /Cannot find module|unexpected error/, "a missing chunk");
      // Only what the intact bundle says too (with no config file: that it runs on the built-in default).
      assert.equal(missing.stderr, intact.stderr);
      assert.equal(missing.stdout, intact.stdout);
      writeFileSync(usageChunk, saved.subarray(0, 200));
      const short = await usage();
      assert.equal(short.stderr, intact.stderr, "a chunk cut short");
      assert.equal(short.stdout, intact.stdout, "a chunk cut short");
    } finally {
      writeFileSync(usageChunk, saved);
      utimesSync(usageChunk, stamp.atime, stamp.mtime);
    }
  });

  test("runs while fresh, and not once a file it was made from changes (size or only mtime)", async () => {
    // Marking the bundle's own VERSION shows which code runs; the bundle's outputs are not among its inputs (same length: their sizes are checked).
    edit(bundleChunk, 'VERSION = "0.1.0"', 'VERSION = "bundl"');
    assert.equal(await version(copy.dir), "bundl", "a fresh bundle runs");

    // tsc writing the same bytes again: only the mtime moves.
    const versionJs = join(copy.dir, "dist/shared/version.js");
    const later = new Date(statSync(versionJs).mtimeMs + 60_000);
    utimesSync(versionJs, later, later);
    assert.equal(await version(copy.dir), "0.1.0", "dist/cli runs once an input's mtime changed");

    // tsc after an edit of the source.
    edit(versionJs, 'VERSION = "0.1.0"', 'VERSION = "0.1.0-tsc"');
    assert.equal(await version(copy.dir), "0.1.0-tsc", "what tsc wrote runs, not the stale bundle");
  });

  test("a bundle whose list of inputs is unreadable or damaged is not run, and the command still works", async () => {
    for (const damaged of ["{ not json", "{}", '{"inputs":null}', '{"inputs":[]}', '{"inputs":[[null,1,2]]}', '{"inputs":["dist/x.js"]}', "[]"]) {
      writeFileSync(join(bundleDir, "inputs.json"), damaged);
      assert.doesNotMatch(await version(copy.dir), /bundl/, damaged);
    }
  });
});

describe("installDir", () => {
  test("is the checkout from every depth hearth's modules sit at (src, dist, dist/bundle)", () => {
    for (const file of ["src/cli/commands/init.ts", "dist/cli/commands/init.js", "dist/bundle/process-entry.js", "bin/hearth"]) {
      assert.equal(installDir(pathToFileURL(join(repoRoot, file)).href), repoRoot.replace(/\/$/, ""), file);
    }
  });
});
