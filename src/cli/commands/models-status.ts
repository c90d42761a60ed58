import { createBuiltinTools } from "../../agent/tools/registry.js";
import { mainAgentPrompt } from "../../ops/agent-prompt.js";
import { HttpClient } from "../../ai/http/http-client.js";
import { stateDir } from "../../config/paths.js";
import { cooldownFileIn } from "../../models/cooldown-file.js";
import { Cooldowns, DEFAULT_COOLDOWN } from "../../models/cooldowns.js";
import { systemClock } from "../../shared/clock.js";
import { modelsStatus, reachability, slotsSharing, type ChainStatus } from "../../ops/models-status.js";
import { asTyped, commandLine, painter, writeJson, writeLine, type CliIo, type GlobalOptions } from "../io.js";
import { fixWithNoConfigFile } from "../../config/default-config.js";
import { loadModelsInUse, noModels, printWarnings, sayRunningOnDefault } from "../load-models.js";
import { createAdapterRegistry } from "../wire-adapters.js";

export interface ModelsStatusOptions extends GlobalOptions {
  probe?: boolean;
  firstToken?: boolean;
}

/** `hearth models status [--probe] [--first-token]`: the chain, keys, and what each server says. Exit 1 when a chain model has an error. */
export async function modelsStatusCommand(io: CliIo, options: ModelsStatusOptions): Promise<number> {
  const models = await loadModelsInUse(io, options);
  const { loaded, resolved, warnings } = models;
  sayRunningOnDefault(io, models);
  const http = new HttpClient();
  try {
    const report = await modelsStatus(resolved, {
      probe: Boolean(options.probe || options.firstToken),
      firstToken: Boolean(options.firstToken),
      http,
      registry: createAdapterRegistry(http),
      prompt: mainAgentPrompt(loaded.config, resolved, (allowed) => createBuiltinTools().definitions(allowed)),
      cooldowns: new Cooldowns(systemClock, DEFAULT_COOLDOWN, cooldownFileIn(stateDir({ env: io.env, cwd: io.cwd }), { onWarning: (message) => writeLine(io.stderr, `hearth: warning: ${message}`), shares: "every" })),
    });
    // No config file: a fix that names config keys says where they go (no file has them yet).
    if (models.usingDefault) {
      const where = { file: loaded.location.file, initCommand: commandLine(io, "init") };
      for (const entry of report.chain) for (const problem of entry.problems) problem.fix = fixWithNoConfigFile(problem.fix, where);
    }
    const failing = report.chain.some((entry) => entry.role !== "alias-only" && !entry.policy && entry.problems.some((problem) => problem.severity === "error"));
    if (options.json) {
      writeJson(io, report);
      return failing ? 1 : 0;
    }
    printWarnings(io, loaded, warnings);
    if (report.chain.length === 0) {
      writeLine(io.stdout, noModels(io));
      return 0;
    }
    for (const entry of report.chain) printEntry(io, entry);
    return failing ? 1 : 0;
  } finally {
    http.destroy();
  }
}

function printEntry(io: CliIo, entry: ChainStatus): void {
  const paint = painter(io);
  const role = entry.role.startsWith("fallback-") ? `fallback ${entry.role.slice(9)}` : entry.role;
  const alias = entry.alias ? ` (${entry.alias})` : "";
  const skipped = entry.policy ? paint("dim", " — skipped: privacy is local-only") : "";
  writeLine(io.stdout, `${paint("bold", `${role}: ${entry.named ?? entry.ref}`)}${alias}${skipped}`);
  const key = entry.local ? (entry.keyPresent ? "key set" : "no key (not needed locally)") : entry.keyPresent ? `key from ${entry.keySource}` : "no key";
  writeLine(io.stdout, `  ${entry.api} · ${entry.baseUrl} · ${entry.local ? "local" : "hosted"} · ${key} · context ${entry.contextWindow}`);
  if (entry.reachable !== undefined) {
    const facts = [reachability(entry)];
    if (entry.servedAs !== undefined) facts.push(`the server runs one model (${entry.servedAs}) and answers any id with it`);
    else if (entry.listed !== undefined && entry.listed !== null) facts.push(entry.listed ? "listed" : "not listed");
    if (entry.loaded !== undefined && entry.loaded !== null) facts.push(entry.loaded ? `loaded${entry.loadedContext ? ` with ${entry.loadedContext} context` : ""}` : "not loaded");
    const sharing = slotsSharing(entry);
    if (entry.servedContext && entry.loadedContext === null) facts.push(`served with ${entry.servedContext} context${sharing ? ` (${sharing})` : ""}`);
    if (entry.toolUse === false) facts.push("no tools");
    if (entry.quantization) facts.push(entry.quantization);
    if (entry.firstTokenMs !== undefined && entry.firstTokenMs !== null) facts.push(`first token in ${entry.firstTokenMs} ms`);
    writeLine(io.stdout, `  ${facts.join(" · ")}`);
  }
  for (const problem of entry.problems) {
    const mark = problem.severity === "error" ? paint("red", "✗ error") : problem.severity === "warn" ? paint("yellow", "! warn") : paint("dim", "i info");
    writeLine(io.stdout, `  ${mark}: ${problem.title}`);
    writeLine(io.stdout, `    fix: ${asTyped(io, problem.fix)}`);
  }
  if (entry.reachable !== undefined && entry.problems.length === 0) writeLine(io.stdout, `  ${paint("green", "✓ ok")}`);
}
