/** Edit distance (Levenshtein, case-insensitive) used for "did you mean" hints. */
export function editDistance(a: string, b: string): number {
  const left = a.toLowerCase();
  const right = b.toLowerCase();
  if (left === right) return 0;
  let previous = Array.from({ length: right.length + 1 }, (_, index) => index);
  for (let i = 1; i <= left.length; i++) {
    const current = [i];
    for (let j = 1; j <= right.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (left[i - 1] === right[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[right.length] ?? 0;
}

/**
 * The candidates close enough to `input` to suggest, best first. Close means a small edit distance
 * relative to the length, or one containing the other (a prefix typed, a suffix dropped).
 */
export function suggest(input: string, candidates: Iterable<string>, limit = 3): string[] {
  return scoredSuggestions(input, candidates, limit).map((entry) => entry.candidate);
}

/**
 * suggest, with how far each is from `input`: 0 for the same name typed with other separators, the
 * edit distance, at most 1.5 for one containing the other. Lower is closer.
 */
export function scoredSuggestions(input: string, candidates: Iterable<string>, limit = 3): { candidate: string; score: number }[] {
  const unique = [...new Set(candidates)];
  const normalized = normalize(input);
  const sameButSeparators = unique.filter((candidate) => normalize(candidate) === normalized);
  if (sameButSeparators.length > 0) return sameButSeparators.slice(0, limit).map((candidate) => ({ candidate, score: 0 }));
  const needle = input.toLowerCase();
  const scored: { candidate: string; score: number }[] = [];
  for (const candidate of unique) {
    const hay = candidate.toLowerCase();
    const distance = editDistance(needle, hay);
    const threshold = Math.max(2, Math.floor(Math.max(needle.length, hay.length) / 3));
    const contains = needle.length >= 3 && (hay.includes(needle) || needle.includes(hay));
    if (distance <= threshold || contains) scored.push({ candidate, score: contains ? Math.min(distance, 1.5) : distance });
  }
  scored.sort((a, b) => a.score - b.score || a.candidate.localeCompare(b.candidate));
  return scored.slice(0, limit);
}

/** "; did you mean \"x\"?" or "; did you mean one of \"x\", \"y\"?" — empty when nothing is close. */
export function didYouMean(input: string, candidates: Iterable<string>): string {
  const close = suggest(input, candidates);
  if (close.length === 0) return "";
  if (close.length === 1) return `; did you mean "${close[0]}"?`;
  return `; did you mean one of ${close.map((name) => `"${name}"`).join(", ")}?`;
}

/** "claude-opus-4.5", "Claude_Opus 4-5" and "claude-opus-4-5" are the same name typed differently. */
function normalize(name: string): string {
  return name.toLowerCase().replace(/[\s._-]+/g, "");
}
