import { chmodSync, statfsSync, existsSync } from "node:fs";
import { dirname } from "node:path";
import type { CooldownEntry, CooldownPersistence } from "../models/cooldowns.js";
import { cooldownFix, skippedUntil, type CooldownFacts } from "./cooldown-advice.js";
import type { HearthConfig } from "../config/schema/index.js";
import { ok, type Finding } from "./doctor-finding.js";
import { judgePermissions, octalMode, PERMISSION_IDS } from "./file-permissions.js";
import { guardedPaths, type HearthPaths } from "./guarded-paths.js";

/** Checks that need no network: file modes, cooldowns, disk space, compaction. */

const DOCTOR_SEVERITY = { high: "error", medium: "warn", low: "info" } as const;

/**
 * The config, the state dir, gateway.env and every directory on the way to them, judged as the
 * security audit judges them (guardedPaths, judgePermissions: the same id, severity and words);
 * `fix` applies the chmod where the judgement names a mode (hearth's own files and directories), which loses nothing.
 */
export function permissionFindings(paths: HearthPaths, fix: boolean): Finding[] {
  const findings: Finding[] = [];
  let dirsFlagged = false;
  for (const guarded of guardedPaths(paths)) {
    const judged = judgePermissions(guarded);
    const id = PERMISSION_IDS[guarded.role];
    if (!judged) {
      if (guarded.role !== "dir") findings.push(ok("files", id, `no other user can read or change ${guarded.path} (${octalMode(guarded.mode)})`));
      continue;
    }
    dirsFlagged ||= guarded.role === "dir";
    // What was seen is the path's mode (after --fix, what it is now too); the judgement's sentence is why it matters.
    const seen = `${guarded.path} has mode ${octalMode(guarded.mode)}`;
    const finding: Finding = { id: judged.id, severity: DOCTOR_SEVERITY[judged.severity], group: "files", title: judged.title, seen, why: judged.detail, fix: judged.fix };
    if (fix && judged.wanted !== undefined) {
      chmodSync(guarded.path, judged.wanted);
      finding.fixed = true;
      finding.seen = `${guarded.path} had mode ${octalMode(guarded.mode)}; it has ${octalMode(judged.wanted)} now`;
    }
    findings.push(finding);
  }
  if (!dirsFlagged) findings.push(ok("files", PERMISSION_IDS.dir, "no directory on the way to the config, the state or gateway.env can be written by other users"));
  return findings;
}

/** Cooldowns in force (info: why and until when) and expired ones (`fix` removes them: they only remembered a past failure). */
export function cooldownFindings(file: CooldownPersistence, options: { now: number; fix: boolean; warnings: readonly string[]; factsOf?: ((ref: string) => CooldownFacts) | undefined }): Finding[] {
  const { now, fix } = options;
  const entries = file.load();
  // What reading the file said (a damaged file is set aside, as every command does; an entry it cannot read, skipped).
  const findings: Finding[] = options.warnings.map((warning) =>
    /that entry is skipped/.test(warning)
      ? { id: "cooldowns-file", severity: "warn", group: "cooldowns", title: "an entry of the cooldowns file could not be read", seen: warning, fix: "nothing to do: an entry a newer hearth wrote, or one edited by hand, is skipped and the others are used" }
      : { id: "cooldowns-file", severity: "warn", group: "cooldowns", title: "the cooldowns file could not be used", seen: warning, fix: "nothing to do: hearth starts a new one; look at the file set aside if you edited it by hand" },
  );
  const refs = Object.keys(entries);
  if (refs.length === 0) return [...findings, ok("cooldowns", "cooldowns", "no model is cooling down")];
  const active: Record<string, CooldownEntry> = {};
  const stale: string[] = [];
  for (const [ref, entry] of Object.entries(entries)) {
    if (entry.until > now) {
      active[ref] = entry;
      findings.push({
        id: "cooldown-active",
        severity: "info",
        group: "cooldowns",
        title: `${ref} is skipped ${skippedUntil(entry)}`,
        seen: `${entry.failures} failure${entry.failures === 1 ? "" : "s"} in a row, the last: ${entry.kind}`,
        fix: cooldownFix(entry, options.factsOf?.(ref)),
      });
    } else stale.push(ref);
  }
  if (stale.length > 0) {
    const finding: Finding = {
      id: "cooldown-stale",
      severity: "info",
      group: "cooldowns",
      title: `${stale.length} expired cooldown${stale.length === 1 ? "" : "s"} kept in the state`,
      seen: stale.join(", "),
      fix: "`hearth doctor --fix` removes them",
    };
    if (fix) {
      file.save(active, stale);
      finding.fixed = true;
    }
    findings.push(finding);
  }
  return findings;
}

export interface DiskThresholds {
  errorBytes: number;
  warnBytes: number;
}

export const DISK_THRESHOLDS: DiskThresholds = { errorBytes: 100 * 1024 ** 2, warnBytes: 1024 ** 3 };

const mib = (bytes: number): string => (bytes >= 1024 ** 3 ? `${(bytes / 1024 ** 3).toFixed(1)} GiB` : `${Math.round(bytes / 1024 ** 2)} MiB`);

/** Free space where sessions and logs are written (the nearest existing directory of the state dir). */
export function diskFinding(stateDir: string, thresholds: DiskThresholds): Finding {
  let dir = stateDir;
  while (!existsSync(dir) && dirname(dir) !== dir) dir = dirname(dir);
  const stats = statfsSync(dir);
  const free = stats.bavail * stats.bsize;
  if (free >= thresholds.warnBytes) return ok("disk", "disk-space", `${mib(free)} free for ${stateDir}`);
  const severity = free < thresholds.errorBytes ? "error" : "warn";
  return {
    id: "disk-space",
    severity,
    group: "disk",
    title: `${mib(free)} free on the disk of the state directory`,
    seen: `${dir}: ${mib(free)} available (sessions and logs are written here; below ${mib(thresholds.errorBytes)} writes start failing)`,
    fix: `free space on that disk, or move the state elsewhere with HEARTH_STATE_DIR`,
  };
}

/** The brief: keep compaction on. It is on unless an agent sets enabled: false. */
export function compactionFindings(config: HearthConfig): Finding[] {
  const off: string[] = [];
  if (config.agents.defaults.compaction?.enabled === false) off.push("agents.defaults.compaction");
  config.agents.list.forEach((agent, index) => {
    if (agent.compaction?.enabled === false) off.push(`agents.list[${index}].compaction (${agent.id})`);
  });
  if (off.length === 0) return [ok("agent", "compaction-off", "compaction is on")];
  return [
    {
      id: "compaction-off",
      severity: "warn",
      group: "agent",
      title: "compaction is off",
      seen: `enabled: false in ${off.join(", ")}: once a long conversation fills the window its oldest turns are left out of what is sent, with a note, instead of being summarised: what was said in them no longer reaches the model, and injected text stays word for word until then`,
      fix: `remove enabled: false from ${off.join(" and ")} (compaction is on by default)`,
    },
  ];
}
