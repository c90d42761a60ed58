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

/** The host a URL goes to, lower-case and in its ASCII form (`xn--…` for an internationalised name), or undefined. */
function hostOf(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.hostname.toLowerCase() : undefined;
  } catch {
    return undefined;
  }
}

/** The host a word names, when it reads as a URL or a host name (`https://bank.example`, `bank.example/login`); else undefined. */
function namedHost(word: string): string | undefined {
  const text = word.trim();
  if (!/^(?:https?:\/\/)?[^\s/]+\.[^\s/]*[^\s/.\d][^\s/]*(?:\/\S*)?$/iu.test(text)) return undefined;
  const host = hostOf(/^https?:\/\//i.test(text) ? text : `https://${text}`);
  // A host name ends in a name of two letters or more ("e.g." and "v1.2" are no hosts).
  return host !== undefined && /(?:^|\.)(?:[a-z]{2,}|xn--[a-z0-9-]+)$/.test(host) ? host : undefined;
}

/**
 * The hosts a link's words name anywhere in them (`Log in at https://bank.example/login`), each word read
 * as a URL or host name, and the ideographic full stops browsers read as dots ("。", "．", "｡") read so too.
 */
function namedHosts(words: string): string[] {
  const text = words.replace(/[\u3002\uFF0E\uFF61]/g, ".");
  const hosts: string[] = [];
  for (const word of [text, ...text.split(/\s+/)]) {
    const host = namedHost(word.replace(/^[("'“‘<[]+|[)"'”’>\].,:;!?]+$/g, ""));
    if (host !== undefined) hosts.push(host);
  }
  return hosts;
}

/**
 * Where a link goes, to show beside it, or undefined: when its words name another host than its
 * target's, or its target's host is an internationalised name (a look-alike such as `раураl.com`
 * reads as the real one; shown in its ASCII form, `xn--…`). A steered model cannot dress a link as
 * another (t22 #7).
 */
function targetToShow(href: string, words: string): string | undefined {
  const host = hostOf(href);
  if (host === undefined) return undefined;
  if (host.split(".").some((label) => label.startsWith("xn--"))) return host;
  return namedHosts(words).some((named) => named !== host) ? host : undefined;
}

/** The text of a link's words: the inline tokens from its open to its close. */
function linkWords(tokens: readonly Token[], open: number): string {
  let words = "";
  for (let index = open + 1; index < tokens.length && tokens[index]?.type !== "link_close"; index++) words += tokens[index]?.content ?? "";
  return words;
}

/**
 * Markdown for model replies: raw HTML is escaped (`html: false`), links are kept only for
 * http, https and mailto and open in a new tab without a referrer. An image is never loaded (it would be
 * fetched from wherever the model points: a tracking pixel): it shows as a link labelled "image: <alt>".
 * A table scrolls sideways in its own box when it is wider than the answer. Direction controls are
 * shown as what they are (`⟨U+202E⟩`), not left to reorder the text (bidi-controls.ts). A link whose
 * words name another host, or whose host is an internationalised name, shows its host beside it.
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
    const src = String(token?.attrGet("src") ?? "");
    const source = escapeHtml(src);
    // Its alt text names a host as a link's words do: one dressed as another shows where it goes.
    const host = targetToShow(src, alt);
    const note = host === undefined ? "" : `<span class="link-host" title="where this link goes"> (${escapeHtml(host)})</span>`;
    return `<a class="image-link" href="${source}" target="_blank" rel="noopener noreferrer" title="an image, not loaded here: opens it from ${source}">${label}</a>${note}`;
  };
  const defaultOpen =
    markdown.renderer.rules.link_open ?? ((tokens, index, options, _env, self) => self.renderToken(tokens, index, options));
  const links: (string | undefined)[] = [];
  markdown.renderer.rules.link_open = (tokens, index, options, env, self) => {
    const token = tokens[index];
    token?.attrSet("target", "_blank");
    token?.attrSet("rel", "noopener noreferrer");
    links.push(targetToShow(String(token?.attrGet("href") ?? ""), linkWords(tokens, index)));
    return defaultOpen(tokens, index, options, env, self);
  };
  // A link that does not say where it goes is followed by its host (targetToShow).
  markdown.renderer.rules.link_close = (tokens, index, options, _env, self) => {
    const host = links.pop();
    const close = self.renderToken(tokens, index, options);
    return host === undefined ? close : `${close}<span class="link-host" title="where this link goes"> (${escapeHtml(host)})</span>`;
  };
  // Focusable, so that a keyboard can scroll a wide table too.
  markdown.renderer.rules.table_open = () => '<div class="table-scroll" tabindex="0"><table>\n';
  markdown.renderer.rules.table_close = () => "</table></div>\n";
  return (source) => markdown.render(showBidiControls(source));
}
