// On Debian, Ubuntu, Fedora… each user has a group of their own, and the default umask there is 002: every
// file a user makes is group-writable, by no one but them. doctor and the security audit called such a config
// "writable by other users of this machine (its group)" — a high finding, exit 1, on a machine where no one
// else can. The group's bits count for nothing when the account files say the group is its owner's alone.
import assert from "node:assert/strict";
import { chmodSync, chownSync, mkdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { judgePermissions } from "../../src/ops/file-permissions.js";
import { guardedPaths } from "../../src/ops/guarded-paths.js";
import { isPrivateGroup, type AccountFiles } from "../../src/ops/private-group.js";
import { tempDir } from "../helpers/run-cli.js";

const passwd = ["root:x:0:0:root:/root:/bin/bash", "ana:x:1000:1000:Ana:/home/ana:/bin/bash", "ben:x:1001:1001::/home/ben:/bin/sh", "svc:x:1002:100::/srv:/usr/sbin/nologin", ""].join("\n");
const group = ["root:x:0:", "users:x:100:ana,ben", "ana:x:1000:", "ben:x:1001:", "shared:x:1500:ana,ben", ""].join("\n");
const files = (overrides: Partial<AccountFiles> = {}): AccountFiles => ({ passwd, group, nsswitch: "passwd: files systemd\ngroup: files systemd\n", ...overrides });

describe("a user private group (isPrivateGroup)", () => {
  test("the owner's own primary group, named after them, with no other member", () => {
    assert.equal(isPrivateGroup(1000, 1000, files()), true);
    assert.equal(isPrivateGroup(1001, 1001, files()), true);
  });

  test("not a group others are in, or name as primary, or another user's group, or root's", () => {
    assert.equal(isPrivateGroup(100, 1000, files()), false, "users: ben is a member");
    assert.equal(isPrivateGroup(1500, 1000, files()), false, "shared: ben is a member");
    assert.equal(isPrivateGroup(1001, 1000, files()), false, "ben's group, not ana's");
    assert.equal(isPrivateGroup(1000, 1000, files({ group: group.replace("ana:x:1000:", "ana:x:1000:ben") })), false, "ben added to ana's group");
    assert.equal(isPrivateGroup(1000, 1000, files({ passwd: `${passwd}eve:x:1003:1000::/home/eve:/bin/sh\n` })), false, "eve's primary group is ana's");
    assert.equal(isPrivateGroup(1000, 1000, files({ group: group.replace("ana:x:1000:", "staff:x:1000:") })), false, "not named after its owner");
    assert.equal(isPrivateGroup(0, 0, files()), false, "root's group is never taken as private");
    assert.equal(isPrivateGroup(4242, 4242, files()), false, "an owner the files do not know");
  });

  test("only when the accounts come from the local files alone", () => {
    assert.equal(isPrivateGroup(1000, 1000, files({ nsswitch: "passwd: files sss\ngroup: files sss\n" })), false, "SSSD may add members");
    assert.equal(isPrivateGroup(1000, 1000, files({ nsswitch: "passwd: files\ngroup: files [SUCCESS=merge] ldap\n" })), false, "LDAP merges members in");
    assert.equal(isPrivateGroup(1000, 1000, files({ nsswitch: "# only comments\npasswd: compat # local\ngroup: files\n" })), true);
    assert.equal(isPrivateGroup(1000, 1000, files({ nsswitch: undefined })), true, "no nsswitch.conf: the files");
    assert.equal(isPrivateGroup(1000, 1000, files({ group: `${group}+:::\n` })), false, "NIS entries");
  });
});

describe("doctor and the audit judge a group-writable file by who is in its group", () => {
  const temp = tempDir();
  after(() => temp.cleanup());

  test("a 0664 config and a 0775 directory of a user private group: only what the others may do counts", () => {
    const root = join(temp.dir, "umask002");
    const conf = join(root, "conf");
    const state = join(root, "state");
    mkdirSync(conf, { recursive: true });
    mkdirSync(state, { recursive: true, mode: 0o700 });
    chmodSync(root, 0o700);
    chmodSync(state, 0o700);
    const config = join(conf, "hearth.json5");
    writeFileSync(config, "{}\n");
    // Owned by a user who is not root (root's group is never private): as root, a made-up one; else the one running.
    if (statSync(config).uid === 0) for (const path of [conf, config]) chownSync(path, 4242, 4242);
    const { uid, gid } = statSync(config);
    const accounts: AccountFiles = { passwd: `root:x:0:0::/root:/bin/sh\nana:x:${uid}:${gid}::/home/ana:/bin/sh\n`, group: `root:x:0:\nana:x:${gid}:\n`, nsswitch: undefined };
    chmodSync(config, 0o664);
    chmodSync(conf, 0o775);
    const judged = (accountFiles: AccountFiles): string[] =>
      guardedPaths({ configFile: config, stateDir: state }, { uid, accounts: accountFiles }).flatMap((guarded) => {
        const judgement = judgePermissions(guarded);
        return judgement ? [`${judgement.severity} ${judgement.title}`] : [];
      });
    assert.deepEqual(judged(accounts), [`medium the config file ${config} is open to every user of this machine (mode 0664)`], "others may read it: that is all there is to say");
    chmodSync(config, 0o660);
    assert.deepEqual(judged(accounts), [], "no one but its owner can read or write it, nor write its directory");
    // The same modes with another user in the group: the group's writes are real.
    const shared = { ...accounts, group: `root:x:0:\nana:x:${gid}:ben\n` };
    assert.deepEqual(judged(shared), [
      `high the config file ${config} can be written by other users of this machine (its group) (mode 0660)`,
      `high the directory ${conf}, on the way to the config file ${config}, can be written by other users of this machine (its group) (mode 0775)`,
    ]);
  });
});
