// The benchmark report: every figure a section measures, with its median, p99 and the ratio to the
// reference measured beside it in the same run, written to bench/results.json and bench/results.md.
import { cpus, loadavg, totalmem } from "node:os";
import { median, p99 } from "./stats.js";

export interface FigureInput {
  section: string;
  name: string;
  /** "ms", "events/s", "MB", "%"… */
  unit: string;
  samples: readonly number[];
  /** What the figure is compared with: the same work done directly (upstream, raw stream, bare node). */
  reference?: { name: string; samples: readonly number[] } | undefined;
  target?: string | undefined;
}

export interface Figure {
  section: string;
  name: string;
  unit: string;
  runs: number;
  median: number;
  p99: number;
  reference: { name: string; median: number; p99: number } | null;
  /** median / reference median. */
  ratio: number | null;
  target: string | null;
}

export interface Machine {
  cpus: number;
  cpuModel: string;
  memoryGb: number;
  node: string;
  platform: string;
  /** The 1-minute load average when the report was written: other work on the machine moves the figures. */
  loadAverage: number;
}

export class BenchResults {
  readonly figures: Figure[] = [];
  /** Sections that could not run here, and why. */
  readonly skipped: { section: string; reason: string }[] = [];

  add(input: FigureInput): void {
    const value = median(input.samples);
    const reference = input.reference ? { name: input.reference.name, median: median(input.reference.samples), p99: p99(input.reference.samples) } : null;
    this.figures.push({
      section: input.section,
      name: input.name,
      unit: input.unit,
      runs: input.samples.length,
      median: value,
      p99: p99(input.samples),
      reference,
      ratio: reference && reference.median !== 0 ? value / reference.median : null,
      target: input.target ?? null,
    });
  }

  skip(section: string, reason: string): void {
    this.skipped.push({ section, reason });
  }
}

export function machine(): Machine {
  return { cpus: cpus().length, cpuModel: cpus()[0]?.model.trim() ?? "unknown", memoryGb: Math.round((totalmem() / 1024 ** 3) * 10) / 10, node: process.version, platform: `${process.platform} ${process.arch}`, loadAverage: Math.round((loadavg()[0] ?? 0) * 100) / 100 };
}

const number = (value: number, unit: string): string => (Number.isNaN(value) ? "–" : `${value < 10 ? value.toFixed(2) : value < 1000 ? value.toFixed(1) : Math.round(value).toString()} ${unit}`);

export function toJson(results: BenchResults, at: Date): string {
  return `${JSON.stringify({ at: at.toISOString(), machine: machine(), figures: results.figures, skipped: results.skipped }, null, 2)}\n`;
}

export function toMarkdown(results: BenchResults, at: Date): string {
  const host = machine();
  const lines = [
    "# hearth benchmark results",
    "",
    `Written by \`npm run bench\` on ${at.toISOString().slice(0, 16).replace("T", " ")} UTC · ${host.cpus} CPUs (${host.cpuModel}) · ${host.memoryGb} GB memory · Node ${host.node} · ${host.platform} · load average ${host.loadAverage} when written.`,
    "Each figure is measured beside its reference in the same run; the ratio is median over the reference's median.",
    "",
  ];
  for (const section of [...new Set(results.figures.map((figure) => figure.section))]) {
    lines.push(`## ${section}`, "", "| figure | runs | median | p99 | reference | reference median | ratio | target |", "|---|---:|---:|---:|---|---:|---:|---|");
    for (const figure of results.figures.filter((entry) => entry.section === section)) {
      lines.push(
        `| ${figure.name} | ${figure.runs} | ${number(figure.median, figure.unit)} | ${number(figure.p99, figure.unit)} | ${figure.reference?.name ?? "–"} | ${figure.reference ? number(figure.reference.median, figure.unit) : "–"} | ${figure.ratio === null ? "–" : `${figure.ratio.toFixed(2)}×`} | ${figure.target ?? ""} |`,
      );
    }
    lines.push("");
  }
  if (results.skipped.length > 0) {
    lines.push("## Not run here", "");
    for (const { section, reason } of results.skipped) lines.push(`- ${section}: ${reason}`);
    lines.push("");
  }
  return lines.join("\n");
}
