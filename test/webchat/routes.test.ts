// webChatRoutes over a real HTTP server on 127.0.0.1: the page and its assets from a built folder,
// nothing outside it, and a clear answer when the page was never built.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { serve } from "@hono/node-server";
import { defaultWebAssetsDir, webChatRoutes } from "../../src/channels/webchat/routes.js";
import { repoRoot } from "../helpers/run-cli.js";

async function serveRoutes(assetsDir: string): Promise<{ url: string; close(): Promise<void> }> {
  const app = webChatRoutes({ assetsDir });
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const started = serve({ fetch: app.fetch, hostname: "127.0.0.1", port: 0 }, () => resolve(started));
  });
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe("webChatRoutes", () => {
  const root = mkdtempSync(join(tmpdir(), "hearth-webchat-routes-"));
  const built = join(root, "web");
  let server: Awaited<ReturnType<typeof serveRoutes>>;

  before(async () => {
    mkdirSync(join(built, "assets"), { recursive: true });
    writeFileSync(join(built, "index.html"), "<!doctype html><title>hearth</title>");
    writeFileSync(join(built, "assets/app.js"), "console.log('page')");
    writeFileSync(join(built, "assets/app.css"), "body{}");
    writeFileSync(join(root, "secret.js"), "outside the assets");
    server = await serveRoutes(built);
  });
  after(async () => {
    await server.close();
    rmSync(root, { recursive: true, force: true });
  });

  test("GET / is the page, with a policy that runs only the page's own script", async () => {
    const response = await fetch(`${server.url}/`);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("content-type"), "text/html; charset=utf-8");
    assert.equal(await response.text(), "<!doctype html><title>hearth</title>");
    const policy = response.headers.get("content-security-policy") ?? "";
    assert.match(policy, /script-src 'self';/);
    assert.match(policy, /connect-src 'self';/);
    assert.doesNotMatch(policy, /unsafe-eval|script-src[^;]*unsafe-inline/);
  });

  test("GET /assets/:name serves the script and styles with their types", async () => {
    const script = await fetch(`${server.url}/assets/app.js`);
    assert.equal(script.headers.get("content-type"), "text/javascript; charset=utf-8");
    assert.equal(await script.text(), "console.log('page')");
    const styles = await fetch(`${server.url}/assets/app.css`);
    assert.equal(styles.headers.get("content-type"), "text/css; charset=utf-8");
  });

  test("GET /favicon.ico and /favicon.svg: the bundled icon (browsers ask for it on every load)", async () => {
    for (const path of ["/favicon.ico", "/favicon.svg"]) {
      const response = await fetch(`${server.url}${path}`);
      assert.equal(response.status, 200, path);
      assert.equal(response.headers.get("content-type"), "image/svg+xml", path);
      assert.match(await response.text(), /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" viewBox="0 0 32 32">.*<\/svg>$/, path);
    }
  });

  test("nothing outside the assets folder, no unknown kinds of file", async () => {
    for (const path of ["/assets/..%2F..%2Fsecret.js", "/assets/%2E%2E%2F%2E%2E%2Fsecret.js", "/assets/..%5C..%5Csecret.js", "/assets/.hidden.js", "/assets/missing.js", "/assets/app.exe", "/secret.js"]) {
      const response = await fetch(`${server.url}${path}`);
      assert.equal(response.status, 404, path);
      assert.doesNotMatch(await response.text(), /outside the assets/, path);
    }
  });

  test("a page that was never built: 503 naming the folder and `npm run build`", async () => {
    const missing = join(root, "never-built");
    const unbuilt = await serveRoutes(missing);
    try {
      const response = await fetch(`${unbuilt.url}/`);
      assert.equal(response.status, 503);
      const body = (await response.json()) as { error: { message: string } };
      assert.match(body.error.message, /not built/);
      assert.ok(body.error.message.includes(missing));
      assert.match(body.error.message, /npm run build/);
    } finally {
      await unbuilt.close();
    }
  });

  test("defaultWebAssetsDir is this checkout's dist/web", () => {
    assert.equal(defaultWebAssetsDir(), join(repoRoot, "dist/web"));
  });
});
