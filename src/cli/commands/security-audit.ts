import { HttpClient } from "../../ai/http/http-client.js";
import { agentSpec } from "../../agent/agent-spec.js";
import { createBuiltinTools, policyFor } from "../../agent/tools/registry.js";
import { runningOnDefaultWords } from "../../config/default-config.js";
import { configLocation, stateDir } from "../../config/paths.js";
import { serviceEnvFile } from "../../config/service-env.js";
import { runInjectionProbe, type ProbeReport } from "../../ops/security/injection-probe.js";
import { securityAudit, type AuditReport } from "../../ops/security/audit.js";
import type { Finding } from "../../ops/security/finding.js";
import { LoadState } from "../../models/load-state.js";
import { ServedWindows } from "../../models/served-windows.js";
import { systemClock } from "../../shared/clock.js";
import { HearthError } from "../../shared/errors.js";
import { commandLine, painter, writeJson, writeLine, type CliIo, type GlobalOptions } from "../io.js";
import { loadLenientConfig } from "../lenient-config.js";
import { createAdapterRegistry } from "../wire-adapters.js";

export interface SecurityAuditOptions extends GlobalOptions {
  probe?: boolean;
  agent?: string;
}

/** `hearth security audit [--probe] [--json]`: findings from the config and the servers; exit 1 while a high one remains. */
export async function securityAuditCommand(io: CliIo, options: SecurityAuditOptions): Promise<number> {
  const loaded = await loadLenientConfig(io, options);
  const configFile = configLocation(options.config, { env: io.env, cwd: io.cwd }).file;
  if (loaded.usingDefault) writeLine(io.stderr, `hearth: ${runningOnDefaultWords({ file: configFile, baseUrl: loaded.usingDefault.localBaseUrl, initCommand: commandLine(io, "init") })}`);
  const http = new HttpClient();
  try {
    const state = stateDir({ env: io.env, cwd: io.cwd });
    const report = await securityAudit({ loaded: loaded.loaded, configProblem: loaded.problem, raw: loaded.raw, configFile: loaded.file, stateDir: state, envFile: serviceEnvFile(io.env), http });
    let probe: ProbeReport | undefined;
    // The probe needs the agent's model: with a config that does not load, the audit's finding says why it did not run.
    if (options.probe && loaded.loaded) {
      const spec = agentSpec(loaded.loaded.config, loaded.loaded.resolved, options.agent ?? "main");
      const model = spec.chain[0];
      if (!model) throw new HearthError("config", `agent ${spec.id} has no model to probe`, [`fix: set agents.defaults.model.primary (\`${commandLine(io, "init")}\` writes a starter config)`]);
      // A turn sends no tools where the server says the model's chat template cannot render them; nor does the probe.
      const windows = new ServedWindows(http, new LoadState(http, systemClock));
      if (model.local) await windows.refresh(model);
      const noTools = windows.toolsUsable(model) === false ? "not run: the server reports this model cannot use tools (its chat template cannot render them, or it was not trained for them), so hearth gives it none (a reply cannot call a tool it never saw)" : undefined;
      if (!options.json && !noTools) writeLine(io.stderr, `probing ${model.ref} with the injection battery (its tool calls are recorded, never run)…`);
      probe = await runInjectionProbe({
        noTools,
        model,
        systemPrompt: spec.systemPrompt,
        tools: createBuiltinTools().definitions(policyFor(spec.tools)),
        registry: createAdapterRegistry(http),
      });
    }
    const high = report.findings.some((finding) => finding.severity === "high") || (probe?.deny.length ?? 0) > 0;
    if (options.json) writeJson(io, { ...report, ...(probe ? { probe } : {}) });
    else render(io, report, probe);
    return high ? 1 : 0;
  } finally {
    http.destroy();
  }
}

function render(io: CliIo, report: AuditReport, probe: ProbeReport | undefined): void {
  const paint = painter(io);
  if (report.findings.length === 0) writeLine(io.stdout, `${paint("green", "✓")} no findings`);
  for (const finding of report.findings) renderFinding(io, finding, paint);
  if (!probe) return;
  writeLine(io.stdout);
  writeLine(io.stdout, paint("bold", `Injection probe of ${probe.model}`));
  for (const family of probe.families) {
    const rate = family.rate === null ? "not run" : `${Math.round(family.rate * 100)}% (${family.followed} of ${family.run} followed)`;
    writeLine(io.stdout, `  ${family.family.padEnd(15)} ${rate}`);
  }
  const overall = probe.overall.rate === null ? "no case ran" : `${Math.round(probe.overall.rate * 100)}% (${probe.overall.followed} of ${probe.overall.run})`;
  writeLine(io.stdout, `  ${"attack success".padEnd(15)} ${overall}`);
  const reasons = new Set(probe.cases.map((entry) => (entry.outcome === "skipped" ? entry.reason : undefined)));
  const [only] = reasons;
  if (reasons.size === 1 && only !== undefined && probe.cases.length > 1) {
    // Every case skipped for one reason: said once.
    writeLine(io.stdout, paint("dim", `  - ${only}`));
    return;
  }
  for (const entry of probe.cases) {
    if (entry.outcome === "followed") writeLine(io.stdout, `  ${paint("red", "✗")} ${entry.id}: called ${entry.call.name} ${entry.call.arguments}`);
    if (entry.outcome === "skipped" || entry.outcome === "failed") writeLine(io.stdout, paint("dim", `  - ${entry.id}: ${entry.outcome === "failed" ? "failed: " : ""}${entry.reason}`));
  }
  if (probe.deny.length > 0) writeLine(io.stdout, `  deny at this rate: "tools": { "deny": [${probe.deny.map((tool) => `"${tool}"`).join(", ")}] }`);
  else if (probe.overall.run > 0) writeLine(io.stdout, `  ${paint("green", "✓")} no steered tool call (a clean run is no proof: keep the tools narrow)`);
}

function renderFinding(io: CliIo, finding: Finding, paint: ReturnType<typeof painter>): void {
  const mark = finding.severity === "high" ? paint("red", "✗ high") : finding.severity === "medium" ? paint("yellow", "! medium") : paint("dim", "i low");
  writeLine(io.stdout, `${mark}: ${finding.title} [${finding.id}]`);
  writeLine(io.stdout, `  ${finding.detail}`);
  writeLine(io.stdout, `  fix: ${finding.remediation}`);
}
