import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, stat, writeFile, mkdir } from "node:fs/promises";
import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { gzipSync } from "node:zlib";
import { allowedProgram, createExecTool } from "../../src/agent/tools/exec.js";
import { htmlToText } from "../../src/shared/html-to-text.js";
import { createMemoryTool, notesPath } from "../../src/agent/tools/memory.js";
import { isPrivateAddress } from "../../src/agent/tools/private-address.js";
import { createBuiltinTools, policyFor } from "../../src/agent/tools/registry.js";
import { createTimeTool } from "../../src/agent/tools/time.js";
import type { ToolContext, ToolSettings } from "../../src/agent/tools/tool.js";
import { createWebFetchTool } from "../../src/agent/tools/web-fetch.js";
import { utcOffset } from "../../src/shared/local-time.js";

const wrap = (text: string, source: string) => `<<<untrusted-abc source="${source}">>>\n${text}\n<<<end-untrusted-abc>>>`;

function context(stateDir: string, settings: ToolSettings = {}, signal = new AbortController().signal): ToolContext {
  return { signal, stateDir, settings, untrusted: wrap };
}

let stateDir = "";
before(async () => {
  stateDir = await mkdtemp(join(tmpdir(), "hearth-tools-"));
});
after(async () => {
  await rm(stateDir, { recursive: true, force: true });
});

describe("time", () => {
  const clock = { now: () => Date.parse("2026-11-24T13:03:05Z") };

  test("a named zone gives its local ISO time, weekday and offset", async () => {
    const result = await createTimeTool({ clock }).run({ timezone: "Europe/Paris" }, context(stateDir));
    assert.equal(result.content, "time: 2026-11-24T14:03:05+01:00\nweekday: Tuesday\ntimezone: Europe/Paris (UTC+01:00)");
    const tokyo = await createTimeTool({ clock }).run({ timezone: "Asia/Tokyo" }, context(stateDir));
    assert.match(tokyo.content, /^time: 2026-11-24T22:03:05\+09:00\nweekday: Tuesday\n/);
  });

  test("no zone: the default one; UTC is written with Z", async () => {
    const result = await createTimeTool({ clock, defaultZone: "UTC" }).run({}, context(stateDir));
    assert.equal(result.content, "time: 2026-11-24T13:03:05Z\nweekday: Tuesday\ntimezone: UTC (UTC+00:00)");
  });

  test("a bad zone is a clear error with a suggestion", async () => {
    const result = await createTimeTool({ clock }).run({ timezone: "Europe/Pariss" }, context(stateDir));
    assert.equal(result.isError, true);
    assert.match(result.content, /^"Europe\/Pariss" is not a time zone; did you mean (one of )?"Europe\/Paris"/);
    const far = await createTimeTool({ clock }).run({ timezone: "Mars/Olympus_Mons_Base" }, context(stateDir));
    assert.equal(far.content, '"Mars/Olympus_Mons_Base" is not a time zone. Use an IANA name such as "Europe/Paris" or "America/New_York", or leave timezone out.');
    assert.match(result.content, /Use an IANA name/);
  });
});

describe("memory", () => {
  const at = new Date(2026, 10, 24, 14, 3, 30);
  const memory = createMemoryTool({ clock: { now: () => at.getTime() } });

  test("notes: none yet, then dated lines in a private file, read back as untrusted", async () => {
    // Stamped as every local time hearth shows: the day, the minute and the zone's offset.
    const stamp = `2026-11-24 14:03 ${utcOffset(at)}`;
    assert.match(stamp, /^2026-11-24 14:03 [+-]\d{2}:\d{2}$/);
    const dir = await mkdtemp(join(stateDir, "memory-"));
    assert.equal((await memory.run({ action: "read" }, context(dir))).content, "no notes yet");
    const appended = await memory.run({ action: "append", text: "  prefers metric units " }, context(dir));
    assert.equal(appended.content, `noted:\n${wrap(`- ${stamp}: prefers metric units`, "the note as saved")}`);
    await memory.run({ action: "append", text: "has a cat\nnamed Mila" }, context(dir));
    assert.equal(await readFile(notesPath(dir), "utf8"), `- ${stamp}: prefers metric units\n- ${stamp}: has a cat\n  named Mila\n`);
    assert.equal((await stat(join(dir, "memory"))).mode & 0o777, 0o700);
    assert.equal((await stat(notesPath(dir))).mode & 0o777, 0o600);
    const read = await memory.run({ action: "read" }, context(dir));
    assert.equal(read.content, wrap(`- ${stamp}: prefers metric units\n- ${stamp}: has a cat\n  named Mila`, "memory notes"));
  });

  test("append without text is an error that shows the call to make", async () => {
    const result = await memory.run({ action: "append", text: "   " }, context(stateDir));
    assert.equal(result.isError, true);
    assert.match(result.content, /^append needs text/);
  });

  test("a long notes file is read from its newest end, whole lines, saying how much was left out", async () => {
    const dir = await mkdtemp(join(stateDir, "memory-"));
    await mkdir(join(dir, "memory"), { recursive: true });
    const lines = Array.from({ length: 400 }, (_, index) => `- 2026-01-01 10:00: note number ${String(index).padStart(3, "0")}`);
    const notes = `${lines.join("\n")}\n`;
    await writeFile(notesPath(dir), notes);
    const read = await memory.run({ action: "read" }, context(dir));
    const match = /^\(the oldest ([\d,]+) characters of notes are left out\)\n<<<untrusted-abc source="memory notes">>>\n- 2026/.exec(read.content);
    assert.ok(match, read.content.slice(0, 200));
    assert.ok(read.content.includes("note number 399\n<<<end-untrusted-abc>>>"));
    assert.ok(!read.content.includes("note number 000"));
    const omitted = Number(match[1]?.replace(/,/g, ""));
    const kept = read.content.slice(read.content.indexOf(">>>\n") + 4, read.content.lastIndexOf("\n<<<end"));
    assert.equal(omitted, notes.length - kept.length - 1);
    assert.ok(kept.length <= 8_000);
  });
});

describe("web_fetch", () => {
  let server: Server;
  let origin = "";
  let port = 0;
  const hits: string[] = [];
  const page = `<!doctype html><html><head><title>The &amp; Page</title><style>body { color: red }</style><script>alert("x")</script></head>
<body><noscript>enable scripts</noscript><h1>Hello &amp; welcome</h1><p>First&nbsp;para &lt;ok&gt; &#8212; &#x41;&eacute;&Uuml;&ccedil;</p>
<ul><li>item one</li><li>item   two</li></ul><!-- a comment --><div>last    <b>bold</b> words</div></body></html>`;

  before(async () => {
    server = createServer((request, response: ServerResponse) => {
      const path = request.url ?? "/";
      hits.push(path);
      if (path === "/page") response.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(page);
      else if (path === "/json") response.writeHead(200, { "content-type": "application/json" }).end('{"a": [1, 2]}');
      else if (path === "/gzip") response.writeHead(200, { "content-type": "text/plain", "content-encoding": "gzip" }).end(gzipSync("squeezed text"));
      else if (path === "/big") response.writeHead(200, { "content-type": "text/plain" }).end("z".repeat(100_000));
      else if (path === "/pdf") response.writeHead(200, { "content-type": "application/pdf" }).end("%PDF-1.7");
      else if (path === "/missing") response.writeHead(404, { "content-type": "text/plain" }).end("no such page");
      else if (path === "/hang") response.flushHeaders(); // headers only: the body never comes
      else if (path === "/silent") return; // not even headers
      else if (path === "/loop") response.writeHead(302, { location: "/loop" }).end();
      else if (path === "/to-metadata") response.writeHead(302, { location: "http://169.254.169.254/latest/meta-data/" }).end();
      else if (path === "/to-private-name") response.writeHead(301, { location: `http://intranet.test:${port}/page` }).end();
      else if (path === "/to-localhost") response.writeHead(307, { location: `http://localhost:${port}/page#frag` }).end();
      else if (path === "/to-file") response.writeHead(302, { location: "file:///etc/passwd" }).end();
      else response.writeHead(500).end();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;
    origin = `http://127.0.0.1:${port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const local = { allowPrivateNetwork: true };
  /** 127.0.0.1 counts as public here, so a first hop to the test server passes and the next hop is what is judged. */
  const localIsPublic = (address: string) => address !== "127.0.0.1" && isPrivateAddress(address);
  const names: Record<string, string> = { "intranet.test": "10.0.0.7", localhost: "127.0.0.1" };
  const resolve = async (hostname: string) => {
    const address = names[hostname];
    if (!address) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: "ENOTFOUND" });
    return [{ address, family: 4 }];
  };

  test("HTML becomes readable text inside an untrusted block with status, URL and type", async () => {
    const result = await createWebFetchTool().run({ url: `${origin}/page` }, context(stateDir, { webFetch: local }));
    assert.equal(result.isError, false);
    assert.equal(
      result.content,
      wrap(`status: 200\nurl: ${origin}/page\ncontent-type: text/html\n\nThe & Page\n\nHello & welcome\n\nFirst para <ok> — AéÜç\n\n- item one\n- item two\n\nlast bold words`, `web page ${origin}/page`),
    );
    assert.doesNotMatch(result.content, /alert|color: red|enable scripts|a comment/);
  });

  test("JSON and text come as they are; gzip is decoded", async () => {
    const json = await createWebFetchTool().run({ url: `${origin}/json` }, context(stateDir, { webFetch: local }));
    assert.ok(json.content.includes('content-type: application/json\n\n{"a": [1, 2]}\n<<<end-untrusted-abc>>>'));
    const gzip = await createWebFetchTool().run({ url: `${origin}/gzip` }, context(stateDir, { webFetch: local }));
    assert.ok(gzip.content.includes("\n\nsqueezed text\n"));
  });

  test("other content types are refused by name; a 404 is shown and flagged", async () => {
    const pdf = await createWebFetchTool().run({ url: `${origin}/pdf` }, context(stateDir, { webFetch: local }));
    assert.deepEqual([pdf.content, pdf.isError], [`${origin}/pdf is application/pdf (status 200); web_fetch reads only HTML, text and JSON`, true]);
    const missing = await createWebFetchTool().run({ url: `${origin}/missing` }, context(stateDir, { webFetch: local }));
    assert.equal(missing.isError, true);
    assert.match(missing.content, /status: 404\n[\s\S]*no such page/);
  });

  test("reading stops at maxBytes and says so", async () => {
    const result = await createWebFetchTool().run({ url: `${origin}/big` }, context(stateDir, { webFetch: { ...local, maxBytes: 1024 } }));
    assert.ok(result.content.includes(`\n\n${"z".repeat(1024)}\n<<<end-untrusted-abc>>>`));
    assert.ok(!result.content.includes("z".repeat(1025)));
    assert.ok(result.content.startsWith("[stopped reading at 1 KiB (tools.web_fetch.maxBytes); the page is longer]\n<<<untrusted-"), "the note comes first, so a cut keeps the closing marker");
  });

  test("long page text is cut with a note outside the page", async () => {
    const result = await createWebFetchTool({ maxTextChars: 500 }).run({ url: `${origin}/big` }, context(stateDir, { webFetch: local }));
    assert.ok(result.content.startsWith("[text cut to its first 500 of 100,000 characters]\n<<<untrusted-"));
    assert.ok(result.content.endsWith("<<<end-untrusted-abc>>>"));
  });

  test("a server that never finishes times out within the configured limit", async () => {
    for (const path of ["/hang", "/silent"]) {
      const started = Date.now();
      const result = await createWebFetchTool().run({ url: `${origin}${path}` }, context(stateDir, { webFetch: { ...local, timeoutSeconds: 0.2 } }));
      assert.deepEqual([result.content, result.isError], [`${origin}${path}: no complete answer within 0.2 s (tools.web_fetch.timeoutSeconds)`, true]);
      assert.ok(Date.now() - started < 2_000);
    }
  });

  test("loopback and private destinations are refused unless allowed: by address and by resolved name", async () => {
    const literal = await createWebFetchTool().run({ url: `${origin}/page` }, context(stateDir));
    assert.equal(literal.content, `refused: 127.0.0.1:${port} is at 127.0.0.1, a loopback, private or link-local address; web_fetch only reaches public addresses (tools.web_fetch.allowPrivateNetwork allows others)`);
    const before = hits.length;
    const byName = await createWebFetchTool().run({ url: `http://localhost:${port}/page` }, context(stateDir));
    assert.equal(byName.isError, true);
    assert.match(byName.content, new RegExp(`^refused: localhost:${port} is at (127\\.0\\.0\\.1|::1), a loopback`));
    const rebinding = await createWebFetchTool({ resolve: async () => [{ address: "93.184.216.34", family: 4 }, { address: "127.0.0.1", family: 4 }] }).run({ url: `http://rebind.test:${port}/page` }, context(stateDir));
    assert.match(rebinding.content, /^refused: rebind\.test:\d+ is at 127\.0\.0\.1/, "one private address among public ones is enough");
    assert.equal(hits.length, before, "no request reached the server");
  });

  test("every redirect hop is checked: a redirect to a private address is refused", async () => {
    const tool = createWebFetchTool({ resolve, isPrivate: localIsPublic, ownAddresses: () => [] });
    const metadata = await tool.run({ url: `${origin}/to-metadata` }, context(stateDir));
    assert.equal(metadata.isError, true);
    assert.match(metadata.content, /^refused: 169\.254\.169\.254 is at 169\.254\.169\.254, a loopback, private or link-local address/);
    const intranet = await tool.run({ url: `${origin}/to-private-name` }, context(stateDir));
    assert.match(intranet.content, new RegExp(`^refused: intranet\\.test:${port} is at 10\\.0\\.0\\.7`));
    const file = await tool.run({ url: `${origin}/to-file` }, context(stateDir));
    assert.equal(file.content, `${origin}/to-file redirects to an address web_fetch cannot follow: file URLs are not fetched; only http and https`);
  });

  test("with allowPrivateNetwork a redirect to a private host is followed", async () => {
    const result = await createWebFetchTool({ resolve }).run({ url: `${origin}/to-localhost` }, context(stateDir, { webFetch: local }));
    assert.equal(result.isError, false);
    assert.ok(result.content.startsWith(`<<<untrusted-abc source="web page http://localhost:${port}/page">>>\nstatus: 200\nurl: http://localhost:${port}/page\n`));
    assert.match(result.content, /Hello & welcome/);
  });

  test("redirects stop after five", async () => {
    const before = hits.length;
    const result = await createWebFetchTool().run({ url: `${origin}/loop` }, context(stateDir, { webFetch: local }));
    assert.deepEqual([result.content, result.isError], [`${origin}/loop: more than 5 redirects; stopped at ${origin}/loop`, true]);
    assert.equal(hits.length - before, 6);
  });

  test("only http and https URLs", async () => {
    const file = await createWebFetchTool().run({ url: "file:///etc/passwd" }, context(stateDir));
    assert.deepEqual([file.content, file.isError], ["file URLs are not fetched; only http and https", true]);
    const junk = await createWebFetchTool().run({ url: "not a url" }, context(stateDir));
    assert.match(junk.content, /^"not a url" is not a URL/);
  });

  test("private addresses: IPv4, IPv6, mapped and NAT64 forms", () => {
    for (const address of ["127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "100.100.1.1", "0.0.0.0", "224.0.0.1", "::1", "::", "fd00::1", "fe80::1", "::ffff:127.0.0.1", "::ffff:7f00:1", "[::1]", "64:ff9b::a00:1", "not-an-ip"]) {
      assert.equal(isPrivateAddress(address), true, address);
    }
    for (const address of ["93.184.216.34", "8.8.8.8", "172.32.0.1", "2606:4700::1111", "::ffff:8.8.8.8"]) {
      assert.equal(isPrivateAddress(address), false, address);
    }
  });

  test("htmlToText leaves an entity named as Object.prototype's members as written", () => {
    assert.equal(htmlToText("<p>a &constructor; b &toString; c &amp; d</p>"), "a &constructor; b &toString; c & d");
  });

  test("htmlToText drops unseen elements even when a tag is left open", () => {
    assert.equal(htmlToText("<p>a</p><script>never closed"), "a");
    assert.equal(htmlToText("<p>x &amp;lt; y &#0; &bogus;</p>"), "x &lt; y &#0; &bogus;");
    assert.equal(htmlToText("<table><tr><th>name</th><th>age</th></tr><tr><td>Ana</td><td>31</td></tr></table>"), "name age\nAna 31");
  });
});

describe("exec", () => {
  const exec = createExecTool();
  const settings = (extra: Partial<NonNullable<ToolSettings["exec"]>> = {}): ToolSettings => ({ exec: { commands: ["echo", "node"], allowUnknownOptions: true, ...extra } });

  test("an allowed command runs without a shell, in the workspace folder, output wrapped", async () => {
    const dir = await mkdtemp(join(stateDir, "exec-"));
    const result = await exec.run({ command: "echo", args: ["hello", "$HOME", ";", "rm", "-rf", "*"] }, context(dir, settings()));
    assert.deepEqual([result.content, result.isError], [`exit code 0\n${wrap("hello $HOME ; rm -rf *", "output of echo")}`, false]);
    const cwd = await exec.run({ command: "node", args: ["-e", "process.stdout.write(process.cwd())"] }, context(dir, settings()));
    assert.equal(cwd.content, `exit code 0\n${wrap(join(dir, "workspace"), "output of node")}`);
    assert.equal((await stat(join(dir, "workspace"))).mode & 0o777, 0o700);
  });

  test("a command not in the list is refused, naming the allowed ones; a path does not pass as a name", async () => {
    const rm = await exec.run({ command: "rm", args: ["-rf", "/"] }, context(stateDir, settings()));
    assert.deepEqual([rm.content, rm.isError], ['"rm" is not an allowed command. Allowed: echo, node. Give the name alone, arguments in args.', true]);
    const path = await exec.run({ command: "/tmp/evil/echo" }, context(stateDir, settings()));
    assert.equal(path.isError, true);
    assert.equal(allowedProgram("git", ["/usr/bin/git"]), "/usr/bin/git");
    assert.equal(allowedProgram("/usr/bin/git", ["/usr/bin/git"]), "/usr/bin/git");
    assert.equal(allowedProgram("/opt/git", ["git"]), undefined);
    const off = await exec.run({ command: "echo" }, context(stateDir));
    assert.deepEqual([off.content, off.isError], ["exec is not configured (tools.exec.commands)", true]);
  });

  test("stderr and a failing exit code are reported; secrets in the environment stay out", async () => {
    process.env["HEARTH_TEST_SECRET_KEY"] = "sk-should-not-leak";
    try {
      const result = await exec.run({ command: "node", args: ["-e", "console.error('bad'); console.log(process.env.HEARTH_TEST_SECRET_KEY ?? 'no secret'); process.exit(3)"] }, context(stateDir, settings()));
      assert.equal(result.isError, true);
      assert.ok(result.content.startsWith("exit code 3\n"));
      assert.match(result.content, /bad/);
      assert.match(result.content, /no secret/);
      assert.doesNotMatch(result.content, /sk-should-not-leak/);
    } finally {
      delete process.env["HEARTH_TEST_SECRET_KEY"];
    }
  });

  test("a command past its time limit is killed", async () => {
    const started = Date.now();
    const result = await exec.run({ command: "node", args: ["-e", "console.log('started'); setTimeout(() => console.log('finished'), 10000)"] }, context(stateDir, settings({ timeoutSeconds: 0.5 })));
    assert.ok(Date.now() - started < 3_000, `${Date.now() - started} ms`);
    assert.equal(result.isError, true);
    assert.ok(result.content.startsWith("killed after 0.5 s (tools.exec.timeoutSeconds)\n"));
    assert.match(result.content, /started/);
    assert.doesNotMatch(result.content, /finished/);
  });

  test("output past 20,000 characters is cut with a count", async () => {
    const result = await exec.run({ command: "node", args: ["-e", "process.stdout.write('x'.repeat(50000))"] }, context(stateDir, settings()));
    assert.ok(result.content.startsWith("exit code 0 [30,000 more characters of output cut]\n<<<untrusted-"));
    assert.ok(result.content.endsWith("\n<<<end-untrusted-abc>>>"), "the closing marker survives");
    assert.ok(result.content.includes("x".repeat(20_000)) && !result.content.includes("x".repeat(20_001)));
  });

  test("a missing program or folder is an error that says so", async () => {
    const program = await exec.run({ command: "hearth-no-such-program" }, context(stateDir, { exec: { commands: ["hearth-no-such-program"] } }));
    assert.equal(program.isError, true);
    assert.match(program.content, /^hearth-no-such-program: not found \(is hearth-no-such-program installed and on PATH/);
    const folder = await exec.run({ command: "node" }, context(stateDir, { exec: { commands: ["node"], cwd: join(stateDir, "workspace", "does-not-exist") } }));
    assert.match(folder.content, /^node: not found .*does-not-exist exist\?\)$/);
  });
});

test("through the registry: the built-ins run with the agent's policy", async () => {
  const registry = createBuiltinTools();
  const clock = await registry.execute({ type: "tool-call", id: "t1", name: "time", arguments: { timezone: "UTC" }, rawArguments: '{"timezone":"UTC"}' }, policyFor(undefined), context(stateDir));
  assert.match(clock.content, /^time: \d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z\nweekday: \w+day\ntimezone: UTC/);
  const refused = await registry.execute({ type: "tool-call", id: "t2", name: "exec", arguments: { command: "echo" }, rawArguments: "{}" }, policyFor({ allow: ["exec"] }), context(stateDir, echoOnly()));
  assert.equal(refused.content, 'The tool "exec" is not allowed for this agent. You have no tools in this conversation; answer without them.');
  const ran = await registry.execute({ type: "tool-call", id: "t3", name: "exec", arguments: { command: "echo", args: ["hi"] }, rawArguments: "" }, policyFor({ allow: ["exec"], exec: { commands: ["echo"] } }), context(stateDir, { exec: { commands: ["echo"] } }));
  assert.equal(ran.content, `exit code 0\n${wrap("hi", "output of echo")}`);
});

function echoOnly(): ToolSettings {
  return { exec: { commands: ["echo"] } };
}
