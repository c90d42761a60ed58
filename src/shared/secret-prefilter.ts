import { beginsAsDump, DUMP_LINE, mayHoldDump } from "./secret-dump.js";
import { decodeEscapes } from "./secret-normal-form.js";

/**
 * A cheap test that proves a text holds none of a set of secret forms, as they are or broken up
 * (escaped, spaced out, joined, wrapped): the secret matcher looks further only into text that may
 * hold one. Most text — prose, code of many short tokens, a delta of a stream — is let go after one
 * regular-expression scan, which skips from one of a few rare characters to the next, instead of
 * being put in normal form character by character.
 *
 * Why it is sound: wherever a form stands in a text's normal form (secret-normal-form.ts), each two
 * characters of it in a row stand in the text with its escapes decoded, in that order, with nothing
 * between them but what the normal form drops: separators and joiners (white space, line breaks and
 * indentation, `:`, `-`, `.`, `_`) and zero-width characters. So the test picks, for each form, one
 * pair of its characters in a row — the one whose first character is rarest in prose and code — and
 * looks for it in any letter case with separators and joiners between. A text with a zero-width
 * character, an escape (decoded) or a hex dump's line (secret-dump.ts) is looked at further. Every
 * value has a hex form, so a C list of its bytes (`0x73, 0x6b`) is found by that form's pair, the
 * list left as written.
 */

/** Characters from the rarest in prose and code to the commonest (letter case aside). */
const RARITY = "qzj@~^|#$!?*%&+9876543kvxwybgfhmpuc/ld_.-21ornisate0";
/**
 * What the normal form drops: separators (`\n` `\r` `\t` escapes among them) and joiners; and what
 * stands between two bytes of a C byte list (`, 0x`): the list of a value's bytes holds its hex form
 * so, which the test finds without decoding the list.
 */
const BETWEEN = String.raw`(?:[\s:\-._,]|\\+[nrt]|0[xX])*`;
const INVISIBLE = String.raw`[\u200b-\u200d\u2060\ufeff]`;
/** What may begin an escape the normal form decodes (secret-normal-form.ts): a text with none has none. */
const ESCAPE_BEGINNING = String.raw`%[0-9A-Fa-f]{2}|\\+[ux][0-9A-Fa-f]|&(?:#|[A-Za-z]{2,8};)`;

export class SecretPrefilter {
  /** Each form's pair, any letter case; undefined while there are no forms. */
  private readonly pairs: RegExp | undefined;
  /** The pairs, a zero-width character, or the beginning of an escape: text without any holds no form. */
  private readonly anything: RegExp | undefined;
  private readonly invisible = new RegExp(INVISIBLE);

  constructor(forms: readonly string[]) {
    const pairs = [...new Set(forms.filter((form) => form.length >= 2).map(rarestPair))];
    if (pairs.length === 0) return;
    this.pairs = new RegExp(pairs.join("|"), "i");
    this.anything = new RegExp([...pairs, INVISIBLE, ESCAPE_BEGINNING, DUMP_LINE].join("|"), "i");
  }

  /** Whether `text` may hold a form, as it is or broken up; false proves it holds none. */
  mayHold(text: string): boolean {
    if (!this.pairs || !this.anything) return false;
    // A dump's line where the text begins is tested apart: a pattern that may match at the start of text alone would slow the scan.
    if (!this.anything.test(text)) return beginsAsDump(text);
    if (this.pairs.test(text) || this.invisible.test(text) || mayHoldDump(text)) return true;
    const decoded = decodeEscapes(text);
    return decoded !== text && this.pairs.test(decoded);
  }
}

/** The pair of characters in a row of `form` whose first is rarest, as a pattern: the two with what the normal form drops between them. */
function rarestPair(form: string): string {
  let best = 0;
  let bestRank = Number.MAX_SAFE_INTEGER;
  for (let at = 0; at + 1 < form.length; at++) {
    // A character not ranked (past ASCII, say) is rarer than any.
    const rank = RARITY.indexOf(form.charAt(at).toLowerCase());
    if (rank < bestRank) {
      best = at;
      bestRank = rank;
    }
  }
  return `${escapeRegExp(form.charAt(best))}${BETWEEN}${escapeRegExp(form.charAt(best + 1))}`;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/-]/g, "\\$&");
}
