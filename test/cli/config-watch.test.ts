// The gateway's watch of its config file and gateway.env: a change is noticed wherever the file lives,
// including gateway.env in a folder that did not exist when the gateway started (a config given with
// --config, ~/.hearth never made): it used to be left unwatched, and the gateway ran on without the key.
import assert from "node:assert/strict";
import { pbkdf2 } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { watchConfigFile } from "../../src/cli/gateway/config-watch.js";
import { tempDir } from "../helpers/run-cli.js";

const temp = tempDir("hearth-config-watch-");
after(() => temp.cleanup());

/** A watch whose changes are counted, with a wait for the next one. */
function counted(files: string[]): { changes: () => number; next: (label: string) => Promise<void>; close: () => void; errors: Error[] } {
  let changes = 0;
  let waiting: (() => void) | undefined;
  const errors: Error[] = [];
  const watcher = watchConfigFile({
    files,
    debounceMs: 50,
    onChange: () => {
      changes += 1;
      waiting?.();
    },
    onError: (error) => errors.push(error),
  });
  // A keep-alive for the waits: the watches themselves do not hold the process open.
  const next = (label: string): Promise<void> =>
    new Promise((resolve, reject) => {
      const give = setTimeout(() => reject(new Error(`no change seen for ${label} within 20 s`)), 20_000);
      waiting = () => {
        clearTimeout(give);
        waiting = undefined;
        resolve();
      };
    });
  return { changes: () => changes, next, close: () => watcher.close(), errors };
}

/**
 * A watch of a config and of a gateway.env whose folder does not exist yet; `create` makes the folder and the file at
 * once and resolves when the watch has told it (at least one change).
 */
function envMadeLater(name: string): { watch: ReturnType<typeof counted>; envFile: string; create: () => Promise<void> } {
  const config = temp.write(`config-${name}.json5`, "{}");
  const home = join(temp.dir, `home-${name}`);
  const envFile = join(home, ".hearth", "gateway.env");
  const watch = counted([config, envFile]);
  const create = async (): Promise<void> => {
    const created = watch.next("gateway.env's creation");
    mkdirSync(join(home, ".hearth"), { recursive: true });
    writeFileSync(envFile, "ANTHROPIC_API_KEY=first\n");
    await created;
    assert.ok(watch.changes() >= 1);
  };
  return { watch, envFile, create };
}

describe("watchConfigFile", () => {
  test("an edit of the config file is one change", async () => {
    const config = temp.write("hearth.json5", "{}");
    const watch = counted([config]);
    try {
      const seen = watch.next("the config's edit");
      writeFileSync(config, "{ gateway: { port: 1 } }");
      await seen;
      assert.equal(watch.changes(), 1);
      assert.deepEqual(watch.errors, []);
    } finally {
      watch.close();
    }
  });

  test("gateway.env in a folder made after the watch began is noticed when it is written, and again when edited", async () => {
    const { watch, envFile, create } = envMadeLater("without-hearth");
    try {
      await create();
      // Now its folder exists: watched as any other (the poll handed over to the folder's watch).
      const before = watch.changes();
      const edited = watch.next("gateway.env's edit");
      writeFileSync(envFile, "ANTHROPIC_API_KEY=second\n");
      await edited;
      assert.ok(watch.changes() > before);
      assert.deepEqual(watch.errors, [], "a missing gateway.env folder is not an error");
    } finally {
      watch.close();
    }
  });

  test("gateway.env written right after the watch began, its first look delayed by a busy thread pool, is noticed (CI of session 26)", async () => {
    // Every thread of libuv's pool busy for a while: a look at the file made there (fs.watchFile's first) comes after the write below.
    const busy = Array.from({ length: 8 }, () => new Promise((resolve) => pbkdf2("pool", "salt", 400_000, 64, "sha512", resolve)));
    const { watch, create } = envMadeLater("busy-pool");
    try {
      await create();
    } finally {
      watch.close();
      await Promise.all(busy);
    }
  });

  test("after close, nothing is reported", async () => {
    const config = temp.write("closed.json5", "{}");
    const missing = join(temp.dir, "never-made", "gateway.env");
    const watch = counted([config, missing]);
    watch.close();
    writeFileSync(config, "{ changed: true }");
    mkdirSync(join(temp.dir, "never-made"));
    writeFileSync(missing, "X=1\n");
    // Longer than the debounce and the 2 s poll: a change would have been reported by now.
    await new Promise((resolve) => setTimeout(resolve, 2600));
    assert.equal(watch.changes(), 0);
  });
});
