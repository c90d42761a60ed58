import assert from "node:assert/strict";
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { after, describe, test } from "node:test";
import { rootOnlyFolder, systemProgram } from "../../../src/agent/tools/exec/system-programs.js";

/**
 * The s18 review's finding 6: bwrap, prlimit and du came only from a fixed list of folders, so NixOS's
 * /run/current-system/sw/bin (a link into the root-owned /nix/store, itself a sticky folder writable by
 * the nixbld group) gave no sandbox. Built here with real folders: a root-owned folder in a sticky,
 * group-writable store, reached through a link, is a system folder; one anybody else can change, or one
 * below /tmp, is not.
 */
const isRoot = process.getuid?.() === 0;
// The folders are made where a system's are: below root-owned folders only root writes (not /tmp, not a home).
const base = ["/var/lib", "/srv", "/opt"].find((folder) => existsSync(folder) && statSync(folder).uid === 0 && (statSync(folder).mode & 0o022) === 0);
const root = isRoot && base ? mkdtempSync(join(base, "hearth-system-programs-")) : "";
after(() => root && rmSync(root, { recursive: true, force: true }));
const NOBODY = 65534;

/** A store like /nix/store: root-owned, group-writable and sticky; a package in it with a bin folder and one program. */
function store(name: string, storeMode = 0o1775): { bin: string; program: string } {
  const storeFolder = join(root, name);
  mkdirSync(storeFolder);
  chmodSync(storeFolder, storeMode);
  const bin = join(storeFolder, "abc-bubblewrap", "bin");
  mkdirSync(bin, { recursive: true });
  const program = join(bin, "helper");
  writeFileSync(program, "#!/bin/sh\n", { mode: 0o555 });
  return { bin, program };
}

describe("hearth's own helpers come from any folder on PATH only root can change", { skip: root ? false : "needs root and a root-only /var/lib, /srv or /opt (the folders must be root-owned)" }, () => {
  test("the system's own folders are such folders, and their programs are found", async () => {
    assert.equal(await rootOnlyFolder(realpathSync("/usr/bin")), true);
    assert.equal(await systemProgram("sh", "/usr/bin"), realpathSync("/usr/bin/sh"));
  });

  test("a root-owned store below a sticky folder, reached through a link (NixOS's /run/current-system/sw/bin)", async () => {
    const { bin, program } = store("nix-store");
    const profile = join(root, "profile");
    mkdirSync(profile);
    symlinkSync(bin, join(profile, "bin"));
    assert.equal(await systemProgram("helper", `relative${delimiter}${join(profile, "bin")}`), program);
  });

  test("not when the folder, a folder above (not sticky) or the file can be changed by another user", async () => {
    const groupWritable = store("group-writable");
    chmodSync(groupWritable.bin, 0o775);
    assert.equal(await systemProgram("helper", groupWritable.bin), undefined);
    const openAbove = store("open-above", 0o777);
    assert.equal(await systemProgram("helper", openAbove.bin), undefined);
    const userOwned = store("user-owned");
    chownSync(userOwned.bin, NOBODY, NOBODY);
    assert.equal(await systemProgram("helper", userOwned.bin), undefined);
    const userFile = store("user-file");
    chownSync(userFile.program, NOBODY, NOBODY);
    assert.equal(await systemProgram("helper", userFile.bin), undefined);
    // A sticky folder anyone may write (/tmp's 1777) is no store: any program may make folders there.
    const scratch = store("scratch", 0o1777);
    assert.equal(await systemProgram("helper", scratch.bin), undefined);
    const inTmp = mkdtempSync(join(realpathSync(tmpdir()), "hearth-system-programs-"));
    try {
      writeFileSync(join(inTmp, "helper"), "#!/bin/sh\n", { mode: 0o555 });
      assert.equal(await systemProgram("helper", inTmp), undefined);
    } finally {
      rmSync(inTmp, { recursive: true, force: true });
    }
    // The sticky folder itself must be root's: a user's sticky folder lets that user replace what is in it.
    const userStore = store("user-store");
    chownSync(join(root, "user-store"), NOBODY, NOBODY);
    assert.equal(await systemProgram("helper", userStore.bin), undefined);
  });

  test("a link in a trusted folder to a file in a folder a user owns is not taken; the next PATH entry is", async () => {
    const good = store("good");
    const trusted = store("trusted-with-link");
    const userFolder = join(root, "user-folder");
    mkdirSync(userFolder);
    chownSync(userFolder, NOBODY, NOBODY);
    writeFileSync(join(userFolder, "other"), "#!/bin/sh\n", { mode: 0o555 });
    symlinkSync(join(userFolder, "other"), join(trusted.bin, "other"));
    assert.equal(await systemProgram("other", trusted.bin), undefined);
    symlinkSync(good.program, join(good.bin, "other"));
    assert.equal(await systemProgram("other", `${trusted.bin}${delimiter}${good.bin}`), good.program);
  });
});
