import { readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Hono } from "hono";
import { installDir } from "../../shared/install-dir.js";
import { FAVICON_SVG } from "./favicon.js";
import { ownValue } from "../../shared/own-key.js";

export interface WebChatRoutesOptions {
  /** The built page: `index.html` and `assets/` (`dist/web/`, written by `npm run build`). */
  assetsDir: string;
}

const CONTENT_TYPES: Record<string, string> = {
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".html": "text/html; charset=utf-8",
  ".svg": "image/svg+xml",
  ".map": "application/json; charset=utf-8",
};

// The page loads nothing but its own files and talks only to this origin; inline scripts never run,
// so even a rendering bug cannot turn a model's reply into code.
const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; form-action 'none'; base-uri 'none'; frame-ancestors 'none'";

/** An asset's file name: letters, digits, `_ - .`, never starting with a dot (so never `..`). */
const ASSET_NAME = /^[A-Za-z0-9_-][A-Za-z0-9_.-]*$/;

function notBuilt(assetsDir: string): string {
  return `the web chat page is not built (no index.html in ${assetsDir}): run \`npm run build\` in hearth's folder`;
}

/**
 * The web chat page: `GET /` (the page), `GET /favicon.svg` and `/favicon.ico` (its bundled icon) and
 * `GET /assets/:name` (its script and styles), read from
 * `assetsDir` on each request so a rebuild needs no restart. The page itself talks to `/api/*`.
 */
export function webChatRoutes(options: WebChatRoutesOptions): Hono {
  const { assetsDir } = options;
  const app = new Hono();
  const securityHeaders = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "cache-control": "no-cache",
  };

  app.get("/", async (c) => {
    const html = await readFile(join(assetsDir, "index.html"), "utf8").catch(() => undefined);
    if (html === undefined) {
      return c.json({ error: { message: notBuilt(assetsDir), type: "server_error", code: "page_not_built" } }, 503);
    }
    return c.body(html, 200, { ...securityHeaders, "content-type": CONTENT_TYPES[".html"] ?? "text/html" });
  });

  // Browsers ask for /favicon.ico on every load whatever the page declares: both names get the bundled icon.
  for (const path of ["/favicon.svg", "/favicon.ico"]) {
    app.get(path, (c) => c.body(FAVICON_SVG, 200, { ...securityHeaders, "content-type": CONTENT_TYPES[".svg"] ?? "image/svg+xml", "cache-control": "max-age=86400" }));
  }

  app.get("/assets/:name", async (c) => {
    const name = c.req.param("name");
    const extension = name.slice(name.lastIndexOf("."));
    const type = ownValue(CONTENT_TYPES, extension);
    const body = ASSET_NAME.test(name) && type ? await readFile(join(assetsDir, "assets", name)).catch(() => undefined) : undefined;
    if (body === undefined || type === undefined) {
      return c.json({ error: { message: `no web chat asset named '${name}'`, type: "not_found_error", code: "not_found" } }, 404);
    }
    return c.body(new Uint8Array(body), 200, { ...securityHeaders, "content-type": type });
  });

  return app;
}

/** `dist/web/` of the hearth install this module belongs to (found by walking up to package.json). */
export function defaultWebAssetsDir(): string {
  const install = installDir(import.meta.url);
  return install === undefined ? join(dirname(fileURLToPath(import.meta.url)), "..", "..", "web") : join(install, "dist", "web");
}
