/**
 * A reply in WhatsApp's formatting split into messages of at most `limit` characters, each of which stands
 * on its own: a cut falls at a paragraph boundary where one is in reach, else at a line end, the end of a
 * sentence (also "。", "！", "？" of scripts written without spaces), between words, and only a run of text
 * with no space longer than the limit is cut inside: at a word's boundary as the script's dictionary
 * gives it (Chinese, Japanese, Thai), else between two characters as a reader sees them (never inside an
 * emoji sequence, nor between a letter and its accent or vowel mark). The time grows with the text: each
 * part reads only its window and the spans that reach into it. A cut inside a span — `_italic_`, `*bold*`, `~strike~`, `` `code` ``, ` ```code``` ` — closes
 * it at the end of the message and opens it again at the start of the next, so that no message opens a
 * mark another closes (a long italic note sent in two messages reads italic in both).
 */

/** A formatting span: where its opening mark begins, where its closing mark begins, and the mark. */
interface Span {
  open: number;
  close: number;
  mark: string;
}

/** A place to cut: the left part ends at `end`, the right begins at `resume` (the whitespace between is dropped). */
interface Cut {
  end: number;
  resume: number;
}

/** A letter or digit: a mark beside one is part of a word (snake_case, 2*3), not formatting. */
const WORD = /[\p{L}\p{N}]/u;
/** Stands in for code while the other marks are looked for: neither a word character nor a space. */
const MASKED = "\uE000";

/** Characters as a reader sees them, and words of scripts written without spaces (immutable: shared by every split). */
const GRAPHEMES = new Intl.Segmenter(undefined, { granularity: "grapheme" });
const WORDS = new Intl.Segmenter(undefined, { granularity: "word" });
/** How far past the room a window is read for boundaries: a character sequence longer than this may be cut inside. */
const WINDOW_SLACK = 64;
/** How much of the room's end a cut inside a run with no space looks at first. */
const WINDOW_TAIL = 256;

export function splitMessage(text: string, limit: number): string[] {
  if (text.length <= limit) return text.trim() === "" ? [] : [text];
  const spans = formattingSpans(text);
  const chunks: string[] = [];
  let start = 0;
  let reopened: Span[] = [];
  // The spans that may reach the window, in the order of `spans`: those opened before its end, less those closed before its start.
  let next = 0;
  let active: Span[] = [];
  while (start < text.length) {
    const opening = reopened.map((span) => span.mark).join("");
    if (opening.length + (text.length - start) <= limit) {
      chunks.push(opening + text.slice(start));
      break;
    }
    const room = limit - opening.length;
    active = active.filter((span) => span.close + span.mark.length >= start);
    for (let span = spans[next]; span !== undefined && span.open <= start + room; span = spans[++next]) if (span.close + span.mark.length >= start) active.push(span);
    const cut = bestCut(text, { start, room, spans: active });
    const open = openAt(active, cut);
    chunks.push(opening + text.slice(start, cut.end) + closing(open));
    reopened = open;
    start = cut.resume;
  }
  return chunks.filter((chunk) => chunk.trim() !== "");
}

/** The spans open across a cut, outermost first. */
function openAt(spans: readonly Span[], cut: Cut): Span[] {
  return spans.filter((span) => span.open < cut.end && cut.resume <= span.close && span.open + span.mark.length < cut.resume);
}

/** The closing marks of the spans open across a cut, innermost first. */
function closing(open: readonly Span[]): string {
  return open
    .map((span) => span.mark)
    .reverse()
    .join("");
}

/**
 * Where to cut the text from `start`, the part (with the marks that close the spans open across the cut) at
 * most `room` long: of the kinds of place, in order — a paragraph boundary, a line end, a sentence's end, a
 * space — the last one past half the room; else the last place of any kind; else inside a word, at the last
 * character boundary that fits.
 */
function bestCut(text: string, at: { start: number; room: number; spans: readonly Span[] }): Cut {
  const { start, room } = at;
  // The spans that reach into the window: what a cut there may be inside or beside.
  const spans = at.spans.filter((span) => span.open <= start + room && span.close + span.mark.length >= start);
  const fits = (cut: Cut): boolean => cut.end > start && !markEdge(spans, cut.end) && !markEdge(spans, cut.resume) && cut.end - start + closing(openAt(spans, cut)).length <= room;
  const places = cutPlaces(text, start, start + room);
  const half = start + room / 2;
  // From the end: only the places of the kind looked for are weighed.
  for (const kind of ["paragraph", "line", "sentence", "word"] as const) {
    for (let index = places.length - 1; index >= 0 && (places[index]?.end ?? 0) >= half; index--) {
      const place = places[index];
      if (place?.kind === kind && fits(place)) return place;
    }
  }
  return places.findLast(fits) ?? wordCut(text, { start, room, spans });
}

type Place = Cut & { kind: "paragraph" | "line" | "sentence" | "word" };

/**
 * The whitespace runs between `start` and `until` as places to cut, in order, each with its kind, and the
 * places right after a sentence's end in scripts written without spaces ("。", "！", "？"). Only the window
 * is read (a run that reaches past it is read to its end).
 */
function cutPlaces(text: string, start: number, until: number): Place[] {
  const places: Place[] = [];
  const window = text.slice(start, until + 1);
  const whitespace = /[ \t]*\n[ \t\n]*|[ \t]+|(?<=[。！？｡][」』）”’]*)(?=[^\s」』）”’])/g;
  const wholeRun = /[ \t]*\n[ \t\n]*|[ \t]+/y;
  whitespace.lastIndex = 1;
  for (let match = whitespace.exec(window); match !== null; match = whitespace.exec(window)) {
    const end = start + match.index;
    if (match[0] === "") {
      whitespace.lastIndex += 1;
      places.push({ end, resume: end, kind: "sentence" });
      continue;
    }
    wholeRun.lastIndex = end;
    const run = match.index + match[0].length < window.length ? match[0] : (wholeRun.exec(text)?.[0] ?? match[0]);
    if (run.includes("\n")) {
      // A line's indentation after the cut is kept (a nested bullet, a line of code).
      const resume = end + run.lastIndexOf("\n") + 1;
      places.push({ end, resume, kind: /\n[ \t]*\n/.test(run) ? "paragraph" : "line" });
    } else {
      const resume = end + run.length;
      places.push({ end, resume, kind: /[.!?…][)\]"'”’_*~]*$/.test(text.slice(Math.max(start, end - 4), end)) ? "sentence" : "word" });
    }
  }
  return places;
}

/**
 * A cut inside a run with no space longer than the room: at the last word boundary past half the room that
 * fits (scripts without spaces: Chinese, Japanese, Thai), else at the last character boundary that fits —
 * as a reader sees characters (graphemes) — never between a mark and the text it opens or closes.
 */
function wordCut(text: string, at: { start: number; room: number; spans: readonly Span[] }): Cut {
  const { start, room, spans } = at;
  const fits = (end: number): boolean => end > start && !markEdge(spans, end) && end - start + closing(openAt(spans, { end, resume: end })).length <= room;
  /** The cut found in the text from `from` to the room's end: the dictionary's word boundaries past half the room, else characters. */
  const cutFrom = (from: number): number | undefined => {
    const window = text.slice(from, start + room + WINDOW_SLACK);
    if (/^[\x21-\x7e]*$/.test(window)) {
      // Printable ASCII (a long URL, base64): every character is one, and a cut between any two reads as well as at a dictionary's word.
      for (let end = start + room; end > from; end--) if (fits(end)) return end;
      return undefined;
    }
    const boundaries = (segmenter: Intl.Segmenter): number[] => {
      const found: number[] = [];
      for (const segment of segmenter.segment(window)) if (segment.index > 0 && from + segment.index <= start + room) found.push(from + segment.index);
      return found;
    };
    const words = boundaries(WORDS);
    for (let index = words.length - 1; index >= 0 && (words[index] ?? 0) >= start + room / 2; index--) if (fits(words[index] ?? 0)) return words[index];
    return boundaries(GRAPHEMES).findLast(fits);
  };
  // Only the room's last stretch is segmented first (a dictionary's words cost time per character); the whole room if nothing there fits.
  const tail = Math.max(start, start + room - WINDOW_TAIL);
  const end = cutFrom(tail) ?? (tail > start ? cutFrom(start) : undefined);
  if (end !== undefined) return { end, resume: end };
  // Not even one character fits beside the marks (a limit smaller than any formatting): one character, so that the split ends.
  const first = GRAPHEMES.segment(text.slice(start, start + WINDOW_SLACK))[Symbol.iterator]().next().value?.segment.length ?? 1;
  const one = start + Math.max(1, first);
  return { end: one, resume: one };
}

/** Whether a cut there would part a mark from the text it opens (right after the opening mark) or closes (right before the closing one), or fall inside a mark. */
function markEdge(spans: readonly Span[], index: number): boolean {
  return spans.some((span) => (index > span.open && index <= span.open + span.mark.length) || (index >= span.close && index < span.close + span.mark.length));
}


/**
 * The formatting spans of a text in WhatsApp's formatting: code blocks (```…```, over lines), inline code, and
 * within a line `_italic_`, `*bold*` and `~strike~` as WhatsApp reads them — the opening mark not after a
 * letter or digit and before a non-space, the closing one after a non-space and not before a letter or digit.
 * The marks inside code are no formatting.
 */
function formattingSpans(text: string): Span[] {
  const spans: Span[] = [];
  const code =
    (mark: string) =>
    (found: string, offset: number): string => {
    spans.push({ open: offset, close: offset + found.length - mark.length, mark });
    return MASKED.repeat(found.length);
  };
  const masked = text.replace(/```[\s\S]*?```/g, code("```")).replace(/`[^`\n]+`/g, code("`"));
  for (const mark of ["_", "*", "~"]) {
    let after = 0;
    // The end of the line of the last mark looked at: marks come in order, so each line's end is searched for once.
    let lineEnd = -1;
    for (let open = masked.indexOf(mark); open !== -1; open = masked.indexOf(mark, Math.max(open + 1, after))) {
      const next = masked[open + 1] ?? " ";
      if (WORD.test(masked[open - 1] ?? "") || /\s/.test(next) || next === mark) continue;
      if (lineEnd < open) {
        const found = masked.indexOf("\n", open);
        lineEnd = found === -1 ? masked.length : found;
      }
      const close = closingMark(masked, { open, mark, lineEnd });
      if (close === undefined) {
        // No mark on the rest of the line closes one: none opened later on it closes either (a line of lone marks is read once).
        after = lineEnd;
        continue;
      }
      spans.push({ open, close, mark });
      after = close + 1;
    }
  }
  return spans.sort((a, b) => a.open - b.open || b.close - a.close);
}

/** Where the span a mark opens at `open` closes on its line: the first such mark after a non-space and not before a letter or digit. */
function closingMark(masked: string, at: { open: number; mark: string; lineEnd: number }): number | undefined {
  const end = at.lineEnd;
  for (let index = masked.indexOf(at.mark, at.open + 2); index !== -1 && index < end; index = masked.indexOf(at.mark, index + 1)) {
    if (!/\s/.test(masked[index - 1] ?? " ") && !WORD.test(masked[index + 1] ?? "")) return index;
  }
  return undefined;
}
