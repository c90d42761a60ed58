import { isHeavilyQuantized, isSmall, modelSize, type ModelSize } from "./security/model-size.js";

/**
 * The brief: prefer the largest full-size build. A model is judged by what the server reports first
 * (parameter count, bits per weight, quantization name) and its id second. A mixture-of-experts model
 * counts by its total parameters ("230B-A10B" is 230B, "qwen3-30b-a3b" is 30B), never its active ones.
 */

export interface BuildFacts {
  id: string;
  /** "7B", "230B-A10B", "8.0B", … as the server says. */
  params?: string | undefined;
  /** An exact count, where the server gives one (Ollama general.parameter_count, llama.cpp n_params). */
  parameterCount?: number | undefined;
  quantization?: string | undefined;
  bitsPerWeight?: number | undefined;
  /** The model file's name (llama.cpp `/props` model_path), which may carry the size and quantization. */
  path?: string | undefined;
}

/**
 * The one judgement every command makes (discover, models status --probe, doctor, security audit):
 * the size and quantization `modelSize` reads from the server's facts first and the id second, small
 * below 14B in total (or a small variant by its name), heavily quantized below 4 bits per weight.
 */
export function judgeBuild(facts: BuildFacts): { size: ModelSize; small: boolean; heavy: boolean } {
  const size = modelSize(facts.id, facts);
  return { size, small: isSmall(size), heavy: isHeavilyQuantized(size) };
}

/** Total parameters in billions: the server's count, its params string, else the id. */
export function totalBillions(facts: BuildFacts): number | undefined {
  return modelSize(facts.id, facts).totalB;
}

/** The warnings for one build: empty when it is full-size and lightly quantized, or when nothing is known. */
export function buildFlags(facts: BuildFacts): string[] {
  const flags: string[] = [];
  const { size, small, heavy } = judgeBuild(facts);
  if (small) flags.push(`small model (${size.totalB !== undefined ? `${formatBillions(size.totalB)} parameters in total` : "a small variant by its name"})`);
  if (heavy) {
    const bits = facts.bitsPerWeight !== undefined ? `, ${facts.bitsPerWeight} bits per weight` : "";
    flags.push(`heavily quantized (${facts.quantization ?? "from its name"}${bits})`);
  }
  return flags;
}

export function formatBillions(billions: number): string {
  if (billions >= 1) return `${Number(billions.toFixed(1))}B`;
  return `${Number((billions * 1000).toFixed(billions * 1000 >= 1 ? 0 : 2))}M`;
}
