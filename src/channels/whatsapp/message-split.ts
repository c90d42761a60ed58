/**
 * A reply in WhatsApp's formatting split into messages of at most `limit` characters, each of which stands
 * on its own: a cut falls at a paragraph boundary where one is in reach, else at a line end, the end of a
 * sentence, between words, and only a single word longer than the limit is cut inside (never inside a
 * character). A cut inside a span — `_italic_`, `*bold*`, `~strike~`, `` `code` ``, ` ```code``` ` — closes
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

export function splitMessage(text: string, limit: number): string[] {
  if (text.length <= limit) return text.trim() === "" ? [] : [text];
  const spans = formattingSpans(text);
  const chunks: string[] = [];
  let start = 0;
  let reopened: Span[] = [];
  while (start < text.length) {
    const opening = reopened.map((span) => span.mark).join("");
    if (opening.length + (text.length - start) <= limit) {
      chunks.push(opening + text.slice(start));
      break;
    }
    const cut = bestCut(text, { start, room: limit - opening.length, spans });
    const open = openAt(spans, cut);
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

/** The whitespace runs between `start` and `until` as places to cut, in order, each with its kind. */
function cutPlaces(text: string, start: number, until: number): Place[] {
  const places: Place[] = [];
  const whitespace = /[ \t]*\n[ \t\n]*|[ \t]+/g;
  whitespace.lastIndex = start + 1;
  for (let match = whitespace.exec(text); match !== null && match.index <= until; match = whitespace.exec(text)) {
    const run = match[0];
    const end = match.index;
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

/** A cut inside a word longer than the room: at the last code point that fits, never between a mark and the text it opens or closes. */
function wordCut(text: string, at: { start: number; room: number; spans: readonly Span[] }): Cut {
  const { start, room, spans } = at;
  for (let end = start + room; end > start + 1; end--) {
    const cut = { end, resume: end };
    if (isLowSurrogate(text.charCodeAt(end)) || markEdge(spans, end)) continue;
    if (end - start + closing(openAt(spans, cut)).length <= room) return cut;
  }
  // Not even one character fits beside the marks (a limit smaller than any formatting): one character, so that the split ends.
  const one = start + (isLowSurrogate(text.charCodeAt(start + 1)) ? 2 : 1);
  return { end: one, resume: one };
}

/** Whether a cut there would part a mark from the text it opens (right after the opening mark) or closes (right before the closing one), or fall inside a mark. */
function markEdge(spans: readonly Span[], index: number): boolean {
  return spans.some((span) => (index > span.open && index <= span.open + span.mark.length) || (index >= span.close && index < span.close + span.mark.length));
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
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
    for (let open = masked.indexOf(mark); open !== -1; open = masked.indexOf(mark, Math.max(open + 1, after))) {
      const next = masked[open + 1] ?? " ";
      if (WORD.test(masked[open - 1] ?? "") || /\s/.test(next) || next === mark) continue;
      const close = closingMark(masked, { open, mark });
      if (close === undefined) {
        // No mark on the rest of the line closes one: none opened later on it closes either (a line of lone marks is read once).
        const lineEnd = masked.indexOf("\n", open);
        after = lineEnd === -1 ? masked.length : lineEnd;
        continue;
      }
      spans.push({ open, close, mark });
      after = close + 1;
    }
  }
  return spans.sort((a, b) => a.open - b.open || b.close - a.close);
}

/** Where the span a mark opens at `open` closes on its line: the first such mark after a non-space and not before a letter or digit. */
function closingMark(masked: string, at: { open: number; mark: string }): number | undefined {
  const lineEnd = masked.indexOf("\n", at.open);
  const end = lineEnd === -1 ? masked.length : lineEnd;
  for (let index = masked.indexOf(at.mark, at.open + 2); index !== -1 && index < end; index = masked.indexOf(at.mark, index + 1)) {
    if (!/\s/.test(masked[index - 1] ?? " ") && !WORD.test(masked[index + 1] ?? "")) return index;
  }
  return undefined;
}
