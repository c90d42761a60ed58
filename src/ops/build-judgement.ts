/**
 * The brief: prefer the largest full-size build. A model is judged by what the server reports first
 * (parameter count, bits per weight, quantization name) and its id second. A mixture-of-experts model
 * counts by its total parameters ("230B-A10B" is 230B, "qwen3-30b-a3b" is 30B), never its active ones.
 */
export const SMALL_BELOW_BILLIONS = 14;

export interface BuildFacts {
  id: string;
  /** "7B", "230B-A10B", "8.0B", … as the server says. */
  params?: string | undefined;
  /** An exact count, where the server gives one (Ollama general.parameter_count, llama.cpp n_params). */
  parameterCount?: number | undefined;
  quantization?: string | undefined;
  bitsPerWeight?: number | undefined;
}

/** Total parameters in billions: the server's count, its params string, else the first "<n>b" in the id. */
export function totalBillions(facts: BuildFacts): number | undefined {
  if (facts.parameterCount !== undefined && facts.parameterCount > 0) return facts.parameterCount / 1e9;
  const fromParams = facts.params ? /(\d+(?:\.\d+)?)\s*([BM])/i.exec(facts.params) : null;
  if (fromParams?.[1]) return Number(fromParams[1]) / (fromParams[2]?.toUpperCase() === "M" ? 1000 : 1);
  const fromId = /(?:^|[^a-z0-9.])(\d+(?:\.\d+)?)b(?![a-z0-9])/i.exec(facts.id);
  return fromId?.[1] ? Number(fromId[1]) : undefined;
}

/** Below 4 bits per weight, or a 1–3-bit quantization name (Q3_K_M, IQ2_XS, 3bit). */
export function heavilyQuantized(facts: BuildFacts): boolean {
  if (facts.bitsPerWeight !== undefined && facts.bitsPerWeight > 0) return facts.bitsPerWeight < 4;
  const name = facts.quantization ?? /(?:^|[^a-z0-9])(i?q[1-3](?:_[a-z0-9]+)*)(?![a-z0-9])/i.exec(facts.id)?.[1];
  return name !== undefined && /^(i?q[1-3]|[1-3][-_ ]?bit)/i.test(name);
}

/** The warnings for one build: empty when it is full-size and lightly quantized, or when nothing is known. */
export function buildFlags(facts: BuildFacts): string[] {
  const flags: string[] = [];
  const billions = totalBillions(facts);
  if (billions !== undefined && billions < SMALL_BELOW_BILLIONS) flags.push(`small model (${formatBillions(billions)} parameters in total)`);
  if (heavilyQuantized(facts)) {
    const bits = facts.bitsPerWeight !== undefined ? `, ${facts.bitsPerWeight} bits per weight` : "";
    flags.push(`heavily quantized (${facts.quantization ?? "from its name"}${bits})`);
  }
  return flags;
}

export function formatBillions(billions: number): string {
  if (billions >= 1) return `${Number(billions.toFixed(1))}B`;
  return `${Number((billions * 1000).toFixed(billions * 1000 >= 1 ? 0 : 2))}M`;
}
