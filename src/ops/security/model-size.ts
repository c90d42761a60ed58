import type { ReportedSize } from "./server-facts.js";

/** What is known of a model's size and quantization, and where it was read. */
export interface ModelSize {
  /** Total parameters in billions (a mixture of experts counts every expert). */
  totalB: number | undefined;
  /** Active parameters per token in billions, for a mixture of experts. */
  activeB: number | undefined;
  /** The quantization as reported or named ("Q3_K_M", "IQ2_XS", "4bit"). */
  quantization: string | undefined;
  /** Bits per weight the quantization stands for, roughly. */
  bits: number | undefined;
  /** The id calls the model a small variant ("mini", "tiny", "small", "nano"). */
  smallName: boolean;
  source: "server" | "model id";
}

/** Below this many billions of parameters a model counts as small. */
export const SMALL_BELOW_B = 14;
/** Below this many bits per weight a model counts as heavily quantized (a Q3 name counts as 3; LM Studio's Q3_K_M says 3.9). */
export const HEAVY_BELOW_BITS = 4;

/**
 * Parameters from "7B", "1.5b", "270M", "30B-A3B" / "qwen3-30b-a3b" (total 30B, active 3B), "8x7B"
 * (eight experts of 7B: 56B counted, as a total).
 */
export function parseParameters(text: string): { totalB: number | undefined; activeB: number | undefined } {
  const lower = text.toLowerCase();
  const experts = /(?:^|[^a-z0-9.])(\d+)x(\d+(?:\.\d+)?)b(?![a-z])/.exec(lower);
  if (experts) return { totalB: Number(experts[1]) * Number(experts[2]), activeB: undefined };
  const moe = /(?:^|[^a-z0-9.])(\d+(?:\.\d+)?)b-a(\d+(?:\.\d+)?)b(?![a-z])/.exec(lower);
  if (moe) return { totalB: Number(moe[1]), activeB: Number(moe[2]) };
  const sizes = [...lower.matchAll(/(?:^|[^a-z0-9.])(\d+(?:\.\d+)?)([bm])(?![a-z0-9])/g)].map((match) => Number(match[1]) / (match[2] === "m" ? 1000 : 1));
  if (sizes.length === 0) return { totalB: undefined, activeB: undefined };
  return { totalB: Math.max(...sizes), activeB: undefined };
}

/** Bits per weight of "Q3_K_M", "IQ2_XS", "Q4_0", "4bit", "mlx-3bit", "F16", "BF16", "Q8_0". */
export function parseQuantization(text: string): { quantization: string | undefined; bits: number | undefined } {
  const ggml = /(?:^|[^a-z0-9])(i?q)(\d)(?:_[a-z0-9]+)*(?![0-9])/i.exec(text);
  if (ggml) return { quantization: ggml[0].replace(/^[^a-z0-9]/i, "").toUpperCase(), bits: Number(ggml[2]) };
  const bitWords = /(?:^|[^a-z0-9])(\d{1,2})-?bits?(?![a-z])/i.exec(text);
  if (bitWords) return { quantization: bitWords[0].replace(/^[^a-z0-9]/i, ""), bits: Number(bitWords[1]) };
  const float = /(?:^|[^a-z0-9])(b?f16|f32|fp16|fp8)(?![a-z0-9])/i.exec(text)?.[1];
  if (float) return { quantization: float.toUpperCase(), bits: float.toLowerCase() === "fp8" ? 8 : 16 };
  return { quantization: undefined, bits: undefined };
}

const SMALL_NAME = /(?:^|[^a-z])(mini|tiny|small|nano|micro|lite)(?![a-z])/i;

/** What the server reported first; the model id fills what it left out. */
export function modelSize(id: string, reported: ReportedSize): ModelSize {
  const written = parseParameters(reported.params ?? reported.path ?? "");
  // An exact count (llama.cpp, Ollama) is the total; the params string may still say the active part ("30B-A3B").
  const fromServer = reported.parameterCount !== undefined && reported.parameterCount > 0 ? { totalB: reported.parameterCount / 1e9, activeB: written.activeB } : written;
  const fromId = parseParameters(id);
  const named = parseQuantization(reported.quantization ?? reported.path ?? "");
  const serverQuant = reported.bitsPerWeight !== undefined && reported.bitsPerWeight > 0 ? { quantization: named.quantization ?? reported.quantization, bits: reported.bitsPerWeight } : named;
  const idQuant = parseQuantization(id);
  const serverKnew = fromServer.totalB !== undefined || serverQuant.bits !== undefined;
  return {
    totalB: fromServer.totalB ?? fromId.totalB,
    activeB: fromServer.totalB !== undefined ? fromServer.activeB : fromId.activeB,
    quantization: serverQuant.quantization ?? idQuant.quantization,
    bits: serverQuant.bits ?? idQuant.bits,
    smallName: fromServer.totalB === undefined && fromId.totalB === undefined && SMALL_NAME.test(id),
    source: serverKnew ? "server" : "model id",
  };
}

export function isSmall(size: ModelSize): boolean {
  return size.totalB !== undefined ? size.totalB < SMALL_BELOW_B : size.smallName;
}

export function isHeavilyQuantized(size: ModelSize): boolean {
  return size.bits !== undefined && size.bits < HEAVY_BELOW_BITS;
}
