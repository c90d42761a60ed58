/**
 * The explicit direction controls: embeddings and overrides (U+202A–U+202E) and isolates
 * (U+2066–U+2069). One of them in an answer reorders what follows it on screen — `\u202eRLO` shows as
 * `OLR` —, so a model steered by a fetched page could show a command to paste, a file name or a link's
 * words other than they are (t17 #4 on the web chat, t22 #9 on a terminal that applies bidi). Ordinary
 * right-to-left text needs none of them: Arabic and Hebrew are ordered by their letters alone.
 */
const BIDI_CONTROLS = /[\u202a-\u202e\u2066-\u2069]/g;

/** The text with each direction control shown as what it is (`⟨U+202E⟩`) instead of acting on the text. */
export function showBidiControls(text: string): string {
  return text.replace(BIDI_CONTROLS, (control) => `⟨U+${(control.codePointAt(0) ?? 0).toString(16).toUpperCase()}⟩`);
}
