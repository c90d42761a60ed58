// How the page says numbers of tokens: pure, so a Node test checks them (test/webchat/window-size.test.ts).

/**
 * A context window as its model's makers and servers say it: a round number of thousands in decimal k
 * (128,000 → "128k", 1,000,000 → "1M"), else a round number of 1024s in binary k, as LM Studio and llama.cpp
 * do (32,768 → "32k", 196,608 → "192k", 1,048,576 → "1M"), else about (12,345 → "12k").
 */
export function windowSize(value: number): string {
  for (const unit of [1000, 1024]) {
    if (value >= unit * unit && value % (unit * unit) === 0) return `${value / (unit * unit)}M`;
    if (value >= unit && value % unit === 0) return `${value / unit}k`;
  }
  return compactNumber(value);
}

/** 12345 → "12.3k". */
export function compactNumber(value: number): string {
  if (value < 1000) return String(value);
  if (value < 1_000_000) return `${(value / 1000).toFixed(value < 10_000 ? 1 : 0)}k`;
  return `${(value / 1_000_000).toFixed(1)}M`;
}
