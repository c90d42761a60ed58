import MarkdownIt from "markdown-it";

const SAFE_LINK = /^(https?:|mailto:)/i;

/**
 * Markdown for model replies: raw HTML is escaped (`html: false`), links are kept only for
 * http, https and mailto and open in a new tab without a referrer.
 */
export function createMarkdown(): (source: string) => string {
  const markdown = new MarkdownIt({ html: false, linkify: true, breaks: true });
  markdown.validateLink = (url: string): boolean => SAFE_LINK.test(url.trim());
  // An image would be fetched from wherever the model points (a tracking pixel): shown as text instead.
  markdown.disable("image");
  const defaultOpen =
    markdown.renderer.rules.link_open ?? ((tokens, index, options, _env, self) => self.renderToken(tokens, index, options));
  markdown.renderer.rules.link_open = (tokens, index, options, env, self) => {
    const token = tokens[index];
    token?.attrSet("target", "_blank");
    token?.attrSet("rel", "noopener noreferrer");
    return defaultOpen(tokens, index, options, env, self);
  };
  return (source) => markdown.render(source);
}
