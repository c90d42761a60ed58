/**
 * Request bodies whose long part — a session's history — is serialised once and kept (`WireHistory`).
 * Every turn of a session sends its whole history again; serialising all of it each time made each
 * turn of a 1,000-turn session allocate the whole prompt afresh as objects, one string and its UTF-8
 * copy (old-generation garbage that grew the process by ~100 MB over the gateway's soak). The body
 * is the small top-level JSON with the kept parts spliced in, written as pieces of text.
 */

/**
 * Items as JSON, comma-separated, and their length in UTF-8. Kept as a string, not bytes: a
 * message's few hundred bytes in a Buffer would hold a whole 8 KiB slab of Node's buffer pool. A
 * part all ASCII (its UTF-8 length is its length) is the string alone: an object beside each kept
 * string cost 40 bytes a message (a session of 1,000 turns keeps 2,000).
 */
export type WirePart = string | { json: string; bytes: number };

export function wirePart(items: readonly unknown[]): WirePart {
  const json = items.map((item) => JSON.stringify(item)).join(",");
  const bytes = Buffer.byteLength(json);
  return bytes === json.length ? json : { json, bytes };
}

/** A part's JSON. */
export function partJson(part: WirePart): string {
  return typeof part === "string" ? part : part.json;
}

/** A part's length in UTF-8 bytes. */
function partBytes(part: WirePart): number {
  return typeof part === "string" ? part.length : part.bytes;
}

/** Stands where the parted array goes in the top-level fields, until the parts are spliced in. */
export const PARTS = "\u0000hearth:wire-parts\u0000";

/** About how much text each written piece holds: few writes, and no piece so large that V8 keeps it in its large-object space. */
const CHUNK_CHARS = 32 * 1024;

/**
 * A request body as pieces of text written one after another (UTF-8): what the HTTP client sends.
 * Pieces, not one string or buffer: a long session's body would otherwise be a large object that
 * outlives its request (V8's large-object space, or a buffer freed only by a later GC).
 */
export interface WireBody {
  chunks: readonly string[];
  /** The body's length in UTF-8 bytes (its Content-Length). */
  bytes: number;
}

/**
 * `fields` as `JSON.stringify` writes them, byte for byte, where the array at `field` (holding
 * {@link PARTS}) is made of `parts` — each a comma-separated run of items, as `WireHistory.parts`
 * gives. When `field` does not hold the marker (a model's `params` replaced it), `fields` are written as they are.
 */
export function jsonWithParts(fields: Readonly<Record<string, unknown>>, field: string, parts: readonly WirePart[]): WireBody {
  const text = JSON.stringify(fields);
  const token = `${JSON.stringify(field)}:${JSON.stringify(PARTS)}`;
  const at = fields[field] === PARTS ? text.indexOf(token) : -1;
  if (at < 0) return { chunks: [text], bytes: Buffer.byteLength(text) };
  const head = `${text.slice(0, at + token.length - JSON.stringify(PARTS).length)}[`;
  const tail = `]${text.slice(at + token.length)}`;
  const chunks: string[] = [];
  let bytes = Buffer.byteLength(head) + Buffer.byteLength(tail);
  // Pieces of about CHUNK_CHARS; each after the first starts with the comma that parts it from the one before.
  let piece: string[] = [];
  let pieceChars = 0;
  let items = 0;
  for (const part of parts) {
    const json = partJson(part);
    if (json.length === 0) continue;
    if (items++ > 0) bytes++;
    bytes += partBytes(part);
    piece.push(json);
    pieceChars += json.length;
    if (pieceChars >= CHUNK_CHARS) {
      chunks.push(piece.join(","));
      piece = [""];
      pieceChars = 0;
    }
  }
  if (pieceChars > 0) chunks.push(piece.join(","));
  return { chunks: [head, ...chunks, tail], bytes };
}
