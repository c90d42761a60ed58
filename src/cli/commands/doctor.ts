import { createBuiltinTools } from "../../agent/tools/registry.js";
import { HttpClient } from "../../ai/http/http-client.js";
import { configLocation, stateDir } from "../../config/paths.js";
import { serviceEnvFile } from "../../config/service-env.js";
import { cooldownFileIn } from "../../models/cooldown-file.js";
import { runDoctor, type DoctorInput, type Finding } from "../../ops/doctor.js";
import { isHearthError } from "../../shared/errors.js";
import { systemClock } from "../../shared/clock.js";
import { asTyped, commandLine, painter, writeJson, writeLine, type CliIo, type GlobalOptions } from "../io.js";
import { fixWithNoConfigFile } from "../../config/default-config.js";
import { loadModelsInUse } from "../load-models.js";
import { installedServiceFile, thisBin } from "./gateway-service.js";
import { writtenAddress, writtenGatewayKeys } from "../gateway/config-address.js";
import { createAdapterRegistry } from "../wire-adapters.js";

export interface DoctorOptions extends GlobalOptions {
  fix?: boolean;
}

/** `hearth doctor [--json] [--fix]`: every check; quiet when all is well; exit 1 while an error remains. */
export async function doctorCommand(io: CliIo, options: DoctorOptions): Promise<number> {
  const where = { env: io.env, cwd: io.cwd };
  let config: DoctorInput["config"];
  try {
    config = await loadModelsInUse(io, options);
  } catch (error) {
    if (!isHearthError(error)) throw error;
    config = { error: error.message, fixes: error.details, file: configLocation(options.config, where).file, gatewayAddress: writtenAddress(io, options) };
  }
  const http = new HttpClient();
  const cooldownWarnings: string[] = [];
  try {
    const report = await runDoctor({
      config,
      http,
      registry: createAdapterRegistry(http),
      stateDir: stateDir(where),
      cooldowns: cooldownFileIn(stateDir(where), { onWarning: (message) => cooldownWarnings.push(message) }),
      cooldownWarnings,
      // Where /health is asked when not where gateway.bind and gateway.port say (a gateway elsewhere; the tests).
      gatewayUrl: io.env.HEARTH_GATEWAY_URL || undefined,
      gatewayKeys: writtenGatewayKeys(io, options),
      service: serviceCheck(io),
      envFile: serviceEnvFile(io.env),
      toolDefinitions: (allowed) => createBuiltinTools().definitions(allowed),
      now: systemClock.now(),
      fix: Boolean(options.fix),
    });
    // No config file: a fix that names config keys says where they go (no file has them yet).
    if ("loaded" in config && "usingDefault" in config && config.usingDefault === true) {
      const where = { file: config.loaded.location.file, initCommand: commandLine(io, "init") };
      for (const finding of report.findings) if (finding.id !== "config-missing") finding.fix = fixWithNoConfigFile(finding.fix, where);
    }
    if (options.json) {
      writeJson(io, report);
      return report.errors > 0 ? 1 : 0;
    }
    const shown = report.findings.filter((finding) => finding.severity !== "ok");
    if (shown.length === 0) {
      writeLine(io.stdout, `all ${report.checks} checks passed`);
      return 0;
    }
    for (const finding of shown) printFinding(io, finding);
    const passed = report.checks - shown.length;
    const left = shown.filter((finding) => !finding.fixed);
    writeLine(io.stdout, `${passed} of ${report.checks} checks passed; ${summary(left)}`);
    return report.errors > 0 ? 1 : 0;
  } finally {
    http.destroy();
  }
}

function serviceCheck(io: CliIo): DoctorInput["service"] {
  const file = installedServiceFile(io);
  return file && { file, here: { bin: thisBin(), command: io.command } };
}

function printFinding(io: CliIo, finding: Finding): void {
  const paint = painter(io);
  const mark = finding.fixed ? paint("green", "✓ fixed") : finding.severity === "error" ? paint("red", "✗ error") : finding.severity === "warn" ? paint("yellow", "! warn") : paint("dim", "i info");
  writeLine(io.stdout, `${mark} [${finding.id}] ${finding.title}`);
  writeLine(io.stdout, `    seen: ${finding.seen}`);
  if (finding.why !== undefined) writeLine(io.stdout, `    why: ${finding.why}`);
  // Remedies name hearth's commands as "hearth …": shown here the way the user runs it.
  if (!finding.fixed) writeLine(io.stdout, `    fix: ${asTyped(io, finding.fix)}`);
}

function summary(left: readonly Finding[]): string {
  const count = (severity: Finding["severity"]): number => left.filter((finding) => finding.severity === severity).length;
  const parts = [[count("error"), "error"], [count("warn"), "warning"], [count("info"), "note"]] as const;
  const said = parts.filter(([n]) => n > 0).map(([n, word]) => `${n} ${word}${n === 1 ? "" : "s"}`);
  return said.length > 0 ? said.join(", ") : "nothing left to do";
}
