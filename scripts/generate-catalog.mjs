#!/usr/bin/env node
// Regenerates src/ai/catalog/hosted-catalog.ts from the model table shipped in the
// npm package @mariozechner/pi-ai. That package is NOT a dependency of this project:
// it is fetched with `npm pack` into a temporary directory, read from there, and the
// directory is removed afterwards.
//
// Usage: node scripts/generate-catalog.mjs [--version X]
//        (npm run catalog:refresh [-- --version X])

import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";

const SOURCE_PACKAGE = "@mariozechner/pi-ai";
const OUTPUT_FILE = fileURLToPath(new URL("../src/ai/catalog/hosted-catalog.ts", import.meta.url));

/** The providers we keep, in output order, with the connection data hearth uses. */
const PROVIDERS = [
  {
    id: "anthropic",
    name: "Anthropic",
    api: "anthropic-messages",
    // No /v1: the adapter appends /v1/messages itself.
    baseUrl: "https://api.anthropic.com",
    apiKeyEnv: "ANTHROPIC_API_KEY",
  },
  {
    id: "openai",
    name: "OpenAI",
    api: "openai-responses",
    baseUrl: "https://api.openai.com/v1",
    apiKeyEnv: "OPENAI_API_KEY",
  },
  {
    id: "openrouter",
    name: "OpenRouter",
    api: "openai-completions",
    baseUrl: "https://openrouter.ai/api/v1",
    apiKeyEnv: "OPENROUTER_API_KEY",
  },
];

/**
 * Undated ids that must exist. If the source only has a dated variant
 * (`<alias>-YYYYMMDD`), an alias entry copying its data is added.
 */
const REQUIRED_ALIASES = {
  anthropic: ["claude-opus-4-5", "claude-sonnet-4-5", "claude-haiku-4-5"],
};

/** Families we expect to see; a missing one only produces a warning. */
const EXPECTED_PATTERNS = {
  anthropic: [/^claude-opus-4-5$/, /^claude-sonnet-4-5$/, /^claude-haiku-4-5$/],
  openai: [/^gpt-5/, /^gpt-4\.1/],
  openrouter: [/^minimax\/minimax-m2/, /^moonshotai\/kimi-k2/, /^z-ai\/glm-4\.[67]/],
};

const INPUT_KINDS = new Set(["text", "image"]);
const COST_KEYS = ["input", "output", "cacheRead", "cacheWrite"];

class CatalogError extends Error {}

/** Aborts the run; thrown (not process.exit) so the temp dir is still removed. */
function fail(message) {
  throw new CatalogError(message);
}

function warn(message) {
  console.warn(`generate-catalog: warning: ${message}`);
}

function npm(args, cwd) {
  try {
    return execFileSync(process.platform === "win32" ? "npm.cmd" : "npm", args, {
      cwd,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "inherit"],
      shell: process.platform === "win32",
    });
  } catch (err) {
    // npm's own stderr has already been shown.
    return fail(`npm ${args.join(" ")} failed (exit status ${err?.status ?? "unknown"})`);
  }
}

/** Today's local date as YYYY-MM-DD. */
function today() {
  const d = new Date();
  const pad = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** Fetches and unpacks the package; returns { version, dir } where dir holds package.json. */
function fetchPackage(spec, tmp) {
  const out = npm(["pack", spec, "--json", "--pack-destination", tmp, "--ignore-scripts"], tmp);
  let info;
  try {
    info = JSON.parse(out);
  } catch {
    fail(`could not parse the output of npm pack:\n${out}`);
  }
  const entry = Array.isArray(info) ? info[0] : info;
  if (!entry || typeof entry.filename !== "string" || typeof entry.version !== "string") {
    fail(`unexpected npm pack output:\n${out}`);
  }
  // npm names scoped tarballs "mariozechner-pi-ai-<v>.tgz"; look it up to be safe.
  const tarball = readdirSync(tmp).find((f) => f.endsWith(".tgz"));
  if (!tarball) fail("npm pack produced no tarball");
  execFileSync("tar", ["-xzf", tarball, "-C", tmp], { cwd: tmp, stdio: "inherit" });
  return { version: entry.version, dir: join(tmp, "package") };
}

function checkNumber(value, what, { integer = false, min = 0 } = {}) {
  if (typeof value !== "number" || !Number.isFinite(value) || value < min || (integer && !Number.isInteger(value))) {
    fail(`${what} is not a valid ${integer ? "integer" : "number"}: ${JSON.stringify(value)}`);
  }
  return value;
}

/** Maps one pi-ai model to hearth's CatalogModel shape; undefined when it must be skipped. */
function toCatalogModel(providerId, key, m) {
  const where = `${providerId}/${key}`;
  if (typeof m.id !== "string" || m.id === "") fail(`${where}: missing id`);
  if (m.id !== key) warn(`${where}: table key differs from id ${JSON.stringify(m.id)}; using the id`);
  const input = Array.isArray(m.input) ? m.input.filter((k) => INPUT_KINDS.has(k)) : [];
  const dropped = Array.isArray(m.input) ? m.input.filter((k) => !INPUT_KINDS.has(k)) : [];
  if (dropped.length > 0) warn(`${where}: dropped input kinds ${dropped.join(", ")}`);
  if (!input.includes("text")) warn(`${where}: no "text" input`);
  // pi-ai marks variable pricing (e.g. openrouter/auto) with negative sentinels; such a
  // model has no price we can state, so it is left out rather than listed as free.
  if (COST_KEYS.some((k) => typeof m.cost?.[k] === "number" && m.cost[k] < 0)) {
    warn(`${where}: skipped, negative (variable/unknown) price ${JSON.stringify(m.cost)}`);
    return undefined;
  }
  const cost = {};
  for (const k of COST_KEYS) cost[k] = checkNumber(m.cost?.[k] ?? 0, `${where}: cost.${k}`);
  return {
    id: m.id,
    name: typeof m.name === "string" && m.name !== "" ? m.name : m.id,
    reasoning: m.reasoning === true,
    input: ["text", "image"].filter((k) => input.includes(k)),
    contextWindow: checkNumber(m.contextWindow, `${where}: contextWindow`, { integer: true, min: 1 }),
    maxTokens: checkNumber(m.maxTokens, `${where}: maxTokens`, { integer: true, min: 1 }),
    cost,
  };
}

function addAliases(providerId, models) {
  const added = [];
  for (const alias of REQUIRED_ALIASES[providerId] ?? []) {
    if (models.some((m) => m.id === alias)) continue;
    const dated = models
      .filter((m) => m.id.startsWith(`${alias}-`) && /^\d{8}$/.test(m.id.slice(alias.length + 1)))
      .sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))[0];
    if (!dated) {
      warn(`${providerId}: neither ${alias} nor a dated variant exists in the source`);
      continue;
    }
    models.push({ ...dated, id: alias, name: `${dated.name} (latest)` });
    added.push(`${alias} -> ${dated.id}`);
  }
  return added;
}

function renderModel(m) {
  const s = JSON.stringify;
  const cost = COST_KEYS.map((k) => `${k}: ${s(m.cost[k])}`).join(", ");
  return (
    `{ id: ${s(m.id)}, name: ${s(m.name)}, reasoning: ${s(m.reasoning)}, ` +
    `input: [${m.input.map((k) => s(k)).join(", ")}], contextWindow: ${s(m.contextWindow)}, ` +
    `maxTokens: ${s(m.maxTokens)}, cost: { ${cost} } }`
  );
}

function render(providers, source, date) {
  const s = JSON.stringify;
  const lines = [
    "// GENERATED FILE - DO NOT EDIT BY HAND.",
    `// Source: the model table of the npm package ${source} (dist/models.generated.js),`,
    "// restricted to the providers anthropic, openai and openrouter.",
    `// Generated on ${date} by scripts/generate-catalog.mjs.`,
    "// To refresh: npm run catalog:refresh  (pin a version: npm run catalog:refresh -- --version X)",
    "// Costs are US dollars per million tokens.",
    "",
    'import type { CatalogProvider } from "../api.js";',
    "",
    `export const CATALOG_DATE = ${s(date)};`,
    `export const CATALOG_SOURCE = ${s(source)};`,
    "",
    "export const hostedCatalog: readonly CatalogProvider[] = [",
  ];
  for (const p of providers) {
    lines.push("  {");
    lines.push(`    id: ${s(p.id)},`);
    lines.push(`    name: ${s(p.name)},`);
    lines.push(`    api: ${s(p.api)},`);
    lines.push(`    baseUrl: ${s(p.baseUrl)},`);
    lines.push(`    apiKeyEnv: ${s(p.apiKeyEnv)},`);
    lines.push("    models: [");
    for (const m of p.models) lines.push(`      ${renderModel(m)},`);
    lines.push("    ],");
    lines.push("  },");
  }
  lines.push("];", "");
  return lines.join("\n");
}

async function main() {
  const { values } = parseArgs({ options: { version: { type: "string" } }, strict: true });
  const spec = `${SOURCE_PACKAGE}@${values.version ?? "latest"}`;

  const tmp = mkdtempSync(join(tmpdir(), "hearth-catalog-"));
  try {
    console.log(`generate-catalog: fetching ${spec} into ${tmp}`);
    const { version, dir } = fetchPackage(spec, tmp);
    const modelsFile = join(dir, "dist", "models.generated.js");
    if (!existsSync(modelsFile)) fail(`${modelsFile} not found; the package layout changed`);
    const { MODELS } = await import(pathToFileURL(modelsFile).href);
    if (!MODELS || typeof MODELS !== "object") fail("models.generated.js exports no MODELS table");

    const source = `${SOURCE_PACKAGE}@${version}`;
    const providers = [];
    for (const p of PROVIDERS) {
      const table = MODELS[p.id];
      if (!table || typeof table !== "object") fail(`provider ${p.id} is missing from ${source}`);
      const models = [];
      const seen = new Set();
      for (const [key, raw] of Object.entries(table)) {
        if (raw.api !== undefined && raw.api !== p.api) warn(`${p.id}/${key}: source api ${raw.api} differs from ${p.api}`);
        if (raw.baseUrl !== undefined && raw.baseUrl !== p.baseUrl) {
          warn(`${p.id}/${key}: source baseUrl ${raw.baseUrl} differs from ${p.baseUrl}`);
        }
        const m = toCatalogModel(p.id, key, raw);
        if (!m) continue;
        if (seen.has(m.id)) fail(`${p.id}: duplicate model id ${m.id}`);
        seen.add(m.id);
        models.push(m);
      }
      const aliases = addAliases(p.id, models);
      for (const a of aliases) console.log(`generate-catalog: ${p.id}: added alias ${a}`);
      models.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      for (const re of EXPECTED_PATTERNS[p.id] ?? []) {
        if (!models.some((m) => re.test(m.id))) warn(`${p.id}: no model matches ${re}`);
      }
      providers.push({ ...p, models });
    }

    const date = today();
    writeFileSync(OUTPUT_FILE, render(providers, source, date));

    console.log(`generate-catalog: wrote ${OUTPUT_FILE}`);
    console.log(`generate-catalog: source ${source}, date ${date}`);
    let total = 0;
    for (const p of providers) {
      console.log(`  ${p.id.padEnd(12)} ${String(p.models.length).padStart(4)} models`);
      total += p.models.length;
    }
    console.log(`  ${"total".padEnd(12)} ${String(total).padStart(4)} models`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

try {
  await main();
} catch (err) {
  console.error(`generate-catalog: ${err instanceof CatalogError ? err.message : (err?.stack ?? err)}`);
  process.exitCode = 1;
}
