// Bundles the web chat page (src/channels/webchat/page/) into dist/web/: index.html and
// assets/app.js + assets/app.css (uPlot and markdown-it included; nothing is loaded from the internet).
// Run by `npm run build`; prints the bundle's size and how long it took.
import { copyFileSync, mkdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";

const root = new URL("..", import.meta.url).pathname;
const pageDir = join(root, "src/channels/webchat/page");
const outDir = join(root, "dist/web");
const started = performance.now();

rmSync(outDir, { recursive: true, force: true });
mkdirSync(join(outDir, "assets"), { recursive: true });
await build({
  entryPoints: [join(pageDir, "main.ts")],
  outfile: join(outDir, "assets/app.js"),
  bundle: true,
  minify: true,
  format: "esm",
  target: ["es2022"],
  platform: "browser",
  legalComments: "eof",
  logLevel: "warning",
});
copyFileSync(join(pageDir, "index.html"), join(outDir, "index.html"));

const kib = (file) => (statSync(join(outDir, file)).size / 1024).toFixed(1);
const ms = Math.round(performance.now() - started);
console.log(`web chat page: dist/web/assets/app.js ${kib("assets/app.js")} KiB, app.css ${kib("assets/app.css")} KiB (${ms} ms)`);
