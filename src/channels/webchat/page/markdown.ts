import MarkdownIt from "markdown-it";
import { showBidiControls } from "./bidi-controls.js";

type Token = ReturnType<InstanceType<typeof MarkdownIt>["parse"]>[number];

const SAFE_LINK = /^(https?:|mailto:)/i;

/** Whether the inline token at `index` sits between a link's open and close (an image used as a link's text). */
function insideLink(tokens: readonly Token[], index: number): boolean {
  let depth = 0;
  for (const token of tokens.slice(0, index)) {
    if (token.type === "link_open") depth += 1;
    else if (token.type === "link_close") depth -= 1;
  }
  return depth > 0;
}

/**
 * Markdown for model replies: raw HTML is escaped (`html: false`), links are kept only for
 * http, https and mailto and open in a new tab without a referrer. An image is never loaded (it would be
 * fetched from wherever the model points: a tracking pixel): it shows as a link labelled "image: <alt>".
 * A table scrolls sideways in its own box when it is wider than the answer. Direction controls are
 * shown as what they are (`⟨U+202E⟩`), not left to reorder the text (bidi-controls.ts).
 */
export function createMarkdown(): (source: string) => string {
  const markdown = new MarkdownIt({ html: false, linkify: true, breaks: true });
  const { escapeHtml } = markdown.utils;
  markdown.validateLink = (url: string): boolean => SAFE_LINK.test(url.trim());
  markdown.renderer.rules.image = (tokens, index, options, env, self) => {
    const token = tokens[index];
    const alt = self.renderInlineAsText(token?.children ?? [], options, env).trim();
    const label = escapeHtml(alt === "" ? "image" : `image: ${alt}`);
    // The link around it is the way there: its text only (a link inside a link is not HTML).
    if (insideLink(tokens, index)) return `<span class="image-link">${label}</span>`;
    const source = escapeHtml(String(token?.attrGet("src") ?? ""));
    return `<a class="image-link" href="${source}" target="_blank" rel="noopener noreferrer" title="an image, not loaded here: opens it from ${source}">${label}</a>`;
  };
  const defaultOpen =
    markdown.renderer.rules.link_open ?? ((tokens, index, options, _env, self) => self.renderToken(tokens, index, options));
  markdown.renderer.rules.link_open = (tokens, index, options, env, self) => {
    const token = tokens[index];
    token?.attrSet("target", "_blank");
    token?.attrSet("rel", "noopener noreferrer");
    return defaultOpen(tokens, index, options, env, self);
  };
  // Focusable, so that a keyboard can scroll a wide table too.
  markdown.renderer.rules.table_open = () => '<div class="table-scroll" tabindex="0"><table>\n';
  markdown.renderer.rules.table_close = () => "</table></div>\n";
  return (source) => markdown.render(showBidiControls(source));
}
