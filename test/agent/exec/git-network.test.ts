import assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { promisify } from "node:util";
import { after, before, beforeEach, describe, test } from "node:test";
import { createExecTool } from "../../../src/agent/tools/exec.js";
import type { ResolveHost } from "../../../src/agent/tools/guarded-get.js";
import type { ToolContext } from "../../../src/agent/tools/tool.js";

/**
 * Without the sandbox, git reaches the network itself: every way a git command line allowed by exec
 * gets a request to an address on this machine (loopback standing for any private address), against
 * the real git and a real HTTP server on 127.0.0.1 that records what arrives. The server needs no
 * "smart http": a request arriving is the failure. A second server stands for a public host: the
 * tool is told (the injected resolver) that `git.public.test` is at its address, as DNS would say of a
 * public name; the checks on it are that git goes where hearth looked, and nowhere else.
 */
interface Recorder {
  server: Server;
  port: number;
  requests: string[];
}

async function recorder(respond?: (url: string) => { status: number; location?: string }): Promise<Recorder> {
  const requests: string[] = [];
  const server = createServer((request, response) => {
    requests.push(`${request.headers.host ?? ""} ${request.url ?? ""}`);
    const answer = respond?.(request.url ?? "") ?? { status: 404 };
    response.writeHead(answer.status, answer.location ? { location: answer.location } : {});
    response.end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  return { server, port: typeof address === "object" && address ? address.port : 0, requests };
}

let root = "";
let work = "";
let home = "";
let internal: Recorder;
let publicSite: Recorder;
const gitEnv = { ...process.env, GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@example.invalid", GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@example.invalid" };
const git = (cwd: string, ...args: string[]) => execFileSync("git", args, { cwd, env: gitEnv, encoding: "utf8" }).trim();

/** The injected DNS: public names (`*.public.test`) at the public server's address, anything else unknown. */
const resolve: ResolveHost = async (hostname) => {
  if (hostname.endsWith(".public.test")) return [{ address: "127.0.0.1", family: 4 }];
  throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: "ENOTFOUND" });
};

before(async () => {
  root = mkdtempSync(join(tmpdir(), "hearth-git-network-"));
  work = join(root, "work");
  home = join(root, "home");
  mkdirSync(work);
  mkdirSync(home);
  internal = await recorder();
  const internalUrl = `http://127.0.0.1:${internal.port}`;
  publicSite = await recorder((url) => (url.startsWith("/moved/") ? { status: 302, location: `${internalUrl}${url}` } : { status: 404 }));

  // A repository whose remote is on this machine: ls-remote with no URL, or the remote's name, goes there.
  const withRemote = join(work, "with-remote");
  git(work, "init", "-q", withRemote);
  git(withRemote, "remote", "add", "origin", `${internalUrl}/origin.git`);
  // A partial clone (or a repository made to look like one) fetches a missing object from its
  // promisor remote when any command reads it: the remote's name was checked once, at the clone.
  const promisor = join(work, "promisor");
  git(work, "init", "-q", promisor);
  writeFileSync(join(promisor, "a.txt"), "a\n");
  git(promisor, "add", "a.txt");
  git(promisor, "commit", "-qm", "one");
  git(promisor, "config", "core.repositoryformatversion", "1");
  git(promisor, "config", "extensions.partialClone", "origin");
  git(promisor, "remote", "add", "origin", `${internalUrl}/promisor.git`);
  git(promisor, "config", "remote.origin.promisor", "true");
  // A repository whose config sends the public name to this machine.
  const rewriting = join(work, "rewriting");
  git(work, "init", "-q", rewriting);
  git(rewriting, "config", `url.${internalUrl}/.insteadOf`, `http://git.public.test:${publicSite.port}/`);
});

after(async () => {
  await new Promise((resolveClose) => internal.server.close(resolveClose));
  await new Promise((resolveClose) => publicSite.server.close(resolveClose));
  rmSync(root, { recursive: true, force: true });
});

beforeEach(() => {
  internal.requests.length = 0;
  publicSite.requests.length = 0;
  rmSync(join(work, "cloned"), { recursive: true, force: true });
});

const context = (): ToolContext => ({ signal: new AbortController().signal, stateDir: join(root, "state"), settings: { exec: { commands: ["git"], cwd: work, sandbox: "off" } }, untrusted: (text) => text });
/** exec as configured: the real resolver, the real address policy. */
const exec = (args: string[]) => createExecTool().run({ command: "git", args }, context());
/** exec told `git.public.test` is public (at 127.0.0.1 here, the only address tests may use). */
const execWithPublicName = (args: string[]) => createExecTool({ network: { resolve, refusalReason: () => undefined } }).run({ command: "git", args }, context());

describe("git over the network without the sandbox: nothing reaches an address on this machine", () => {
  const internalUrl = () => `http://127.0.0.1:${internal.port}`;
  const cases: { name: string; args: () => string[] }[] = [
    { name: "clone of http://127.0.0.1", args: () => ["clone", `${internalUrl()}/r.git`, "cloned"] },
    { name: "ls-remote of http://127.0.0.1", args: () => ["ls-remote", `${internalUrl()}/r.git`] },
    { name: "a host name that resolves to loopback (localhost)", args: () => ["ls-remote", `http://localhost:${internal.port}/r.git`] },
    { name: "the IPv4-mapped IPv6 form", args: () => ["ls-remote", `http://[::ffff:127.0.0.1]:${internal.port}/r.git`] },
    { name: "127.0.0.1 as one decimal number", args: () => ["ls-remote", `http://2130706433:${internal.port}/r.git`] },
    { name: "127.0.0.1 in octal", args: () => ["clone", `http://0177.0.0.1:${internal.port}/r.git`, "cloned"] },
    { name: "ls-remote with no URL: the repository's remote", args: () => ["-C", "with-remote", "ls-remote"] },
    { name: "ls-remote of the remote by name", args: () => ["-C", "with-remote", "ls-remote", "origin"] },
    { name: "a lazy fetch from a partial clone's promisor remote (cat-file of a missing object)", args: () => ["-C", "promisor", "cat-file", "-p", "0123456789abcdef0123456789abcdef01234567"] },
  ];
  for (const item of cases) {
    test(item.name, async () => {
      const result = await exec(item.args());
      assert.equal(result.isError, true, result.content);
      assert.deepEqual(internal.requests, [], `git reached the server: ${result.content}`);
    });
  }

  test("refusals name the address and why", async () => {
    const refused = await exec(["ls-remote", `http://localhost:${internal.port}/r.git`]);
    assert.match(refused.content, /is not allowed with git: localhost is at (127\.0\.0\.1|::1), a loopback, private or link-local address; without the sandbox git reaches only public addresses/);
    const decimal = await exec(["ls-remote", `http://2130706433:${internal.port}/r.git`]);
    assert.match(decimal.content, /the host 2130706433 is read as 127\.0\.0\.1/);
    for (const url of ["http://169.254.169.254/latest/meta-data", "http://10.1.2.3/r.git", "http://[::1]:9/r.git", "http://[fc00::1]/r.git", "https://[::ffff:a9fe:a9fe]/r.git", "http://0x7f000001/r.git", "http://127.1/r.git", "http://git.public.test\\@127.0.0.1/r", "http://a@b@127.0.0.1/r", "http://%31%32%37.0.0.1/r"]) {
      const result = await exec(["ls-remote", url]);
      assert.match(result.content, /is not allowed with git: /, url);
    }
  });

  test("what cannot be checked is refused: a clone's second address (--bundle-uri), ls-remote of a URL from another directory (-C)", async () => {
    const bundle = await execWithPublicName(["clone", `--bundle-uri=http://git.public.test:${publicSite.port}/b`, `http://git.public.test:${publicSite.port}/r.git`, "cloned"]);
    assert.match(bundle.content, /is not allowed with git: without the sandbox exec checks one address per clone/);
    const moved = await execWithPublicName(["-C", "rewriting", "ls-remote", `http://git.public.test:${publicSite.port}/r.git`]);
    assert.match(moved.content, /^"-C" is not allowed with git: without the sandbox ls-remote of a URL runs outside any repository/);
    assert.deepEqual([...publicSite.requests, ...internal.requests], []);
  });

  test("names resolving to private addresses, whatever the family, are refused", async () => {
    const addresses = ["10.0.0.7", "169.254.169.254", "::1", "fc00::5", "::ffff:192.168.1.1"];
    for (const address of addresses) {
      const tool = createExecTool({ network: { resolve: async () => [{ address, family: address.includes(":") ? 6 : 4 }] } });
      const result = await tool.run({ command: "git", args: ["ls-remote", "https://git.example.test/r.git"] }, context());
      assert.match(result.content, new RegExp(`git\\.example\\.test is at ${address.replace(/[.:]/g, "\\$&")}, `), address);
    }
  });
});

describe("a public host: git goes to the address hearth checked, and nowhere else", () => {
  const publicUrl = () => `http://git.public.test:${publicSite.port}`;

  test("the name is pinned to the checked address (git does not ask DNS again)", async () => {
    const result = await execWithPublicName(["ls-remote", `${publicUrl()}/r.git`]);
    assert.match(publicSite.requests[0] ?? "", new RegExp(`^git\\.public\\.test:${publicSite.port} /r\\.git/info/refs`), result.content);
  });

  test("a redirect to an address on this machine is not followed", async () => {
    const result = await execWithPublicName(["clone", `${publicUrl()}/moved/r.git`, "cloned"]);
    assert.equal(publicSite.requests.length > 0, true, `the public server was asked: ${result.content}`);
    assert.deepEqual(internal.requests, [], result.content);
  });

  test("a repository's url.<base>.insteadOf does not rewrite the checked URL", async () => {
    const inside = await createExecTool({ network: { resolve, refusalReason: () => undefined } }).run(
      { command: "git", args: ["ls-remote", `${publicUrl()}/r.git`] },
      { ...context(), settings: { exec: { commands: ["git"], cwd: join(work, "rewriting"), sandbox: "off" } } },
    );
    assert.deepEqual(internal.requests, [], inside.content);
  });

  test("the user's global config (a proxy, a URL rewrite) is not read", async () => {
    writeFileSync(join(home, ".gitconfig"), `[http]\n\tproxy = http://127.0.0.1:${internal.port}\n[url "http://127.0.0.1:${internal.port}/"]\n\tinsteadOf = https://rewritten.public.test/\n`);
    const saved = process.env.HOME;
    process.env.HOME = home;
    try {
      await execWithPublicName(["ls-remote", `${publicUrl()}/r.git`]);
      await execWithPublicName(["clone", "https://rewritten.public.test/r.git", "cloned"]);
      assert.deepEqual(internal.requests, []);
    } finally {
      process.env.HOME = saved;
    }
  });

  test("hearth's own environment (GIT_CONFIG_PARAMETERS, http_proxy, ALL_PROXY) does not reach git; control: plain git follows it", async () => {
    const proxy = `http://127.0.0.1:${internal.port}`;
    const variables = { GIT_CONFIG_PARAMETERS: `'http.proxy'='${proxy}'`, http_proxy: proxy, HTTP_PROXY: proxy, ALL_PROXY: proxy };
    // Asynchronously: the servers answer from this process.
    await promisify(execFile)("git", ["ls-remote", `http://git.public.test:${publicSite.port}/r.git`], { cwd: work, env: { ...process.env, ...variables } }).catch(() => undefined);
    assert.equal(internal.requests.length > 0, true, "the variables send plain git to the proxy, so the case below can fail");
    internal.requests.length = 0;
    const saved = process.env;
    process.env = { ...saved, ...variables };
    try {
      const result = await execWithPublicName(["ls-remote", `${publicUrl()}/r.git`]);
      assert.deepEqual(internal.requests, [], result.content);
    } finally {
      process.env = saved;
    }
  });

  test("a git too old to take the pin (before 2.37) does not reach the network without the sandbox", async () => {
    const bin = join(root, "old-git");
    const marker = join(root, "old-git-ran");
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(bin, "git"), `#!/bin/sh\nif [ "$1" = "--version" ]; then echo "git version 2.36.1"; exit 0; fi\ntouch ${marker}\n`);
    chmodSync(join(bin, "git"), 0o755);
    const saved = process.env;
    process.env = { ...saved, PATH: `${bin}${delimiter}${saved.PATH ?? ""}` };
    try {
      const result = await execWithPublicName(["ls-remote", `${publicUrl()}/r.git`]);
      assert.match(result.content, /is not allowed with git: this git \(git version 2\.36\.1\) is older than 2\.37/);
      assert.equal(existsSync(marker), false);
      const local = await execWithPublicName(["status"]);
      assert.equal(existsSync(marker), true, `work without the network still runs: ${local.content}`);
    } finally {
      process.env = saved;
    }
  });
});
