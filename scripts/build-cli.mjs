// Bundles the CLI that tsc wrote (dist/cli/process-entry.js and everything it imports, commands as
// separate chunks) into dist/bundle/, with the ESM dependencies that cost most to load module by
// module (zod, hono). Node 20 loads an ES module graph file by file: the gateway's ~340 modules took
// about a third of its start. Run by `npm run build`, after tsc.
//
// Staleness: dist/bundle/inputs.json lists every file the bundle was made from with its size and
// mtime, and every file of the bundle with its size. bin/hearth runs the bundle only while each of
// them is unchanged (and no chunk is missing); after a plain
// `npx tsc -p tsconfig.json` (or an npm install) it runs dist/cli/ as tsc wrote it.
import { rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, isAbsolute, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const outDir = join(root, "dist/bundle");
/** Dependencies bundled: ES modules whose many files cost more to load one by one than to parse at once. The rest (CommonJS, or loaded only by some commands) stays in node_modules. */
const BUNDLED = new Set(["zod", "hono", "@hono/node-server", "eventsource-parser", "json5"]);
const started = performance.now();

const packageName = (specifier) => specifier.split("/").slice(0, specifier.startsWith("@") ? 2 : 1).join("/");
const keepExternal = {
  name: "keep-external",
  setup(context) {
    context.onResolve({ filter: /^[^./]/ }, (args) => (args.path.startsWith("node:") || !BUNDLED.has(packageName(args.path)) ? { path: args.path, external: true } : undefined));
  },
};

rmSync(outDir, { recursive: true, force: true });
const result = await build({
  absWorkingDir: root,
  entryPoints: { "process-entry": join(root, "dist/cli/process-entry.js") },
  outdir: outDir,
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: ["node20"],
  metafile: true,
  // Inputs named by the path through this checkout (node_modules may be a symlink): the stamp then holds for a copy that links the same node_modules.
  preserveSymlinks: true,
  plugins: [keepExternal],
  logLevel: "warning",
});

const inputs = Object.keys(result.metafile.inputs).map((file) => {
  const path = isAbsolute(file) ? file : resolve(root, file);
  const stat = statSync(path);
  return [relative(root, path), stat.size, stat.mtimeMs];
});
// The bundle's own files by size: one deleted or cut short (a partial copy, a cleanup) fails only the command that loads it, mid-run.
const outputs = Object.keys(result.metafile.outputs).map((file) => [relative(root, resolve(root, file)), statSync(resolve(root, file)).size]);
writeFileSync(
  join(outDir, "inputs.json"),
  `${JSON.stringify({ note: "bin/hearth runs this bundle only while every input below has this size and mtime, and every output this size (else dist/cli/)", inputs, outputs })}\n`,
);

const chunks = Object.keys(result.metafile.outputs).length;
console.log(`cli bundle: dist/bundle/ ${chunks} files from ${inputs.length} inputs (${Math.round(performance.now() - started)} ms)`);
