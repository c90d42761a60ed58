/**
 * Makes `target`'s children look like `source`'s while keeping every child that is already the same: an answer
 * redrawn as it streams keeps its earlier paragraphs as the very nodes they were (a selection in them, what a
 * screen reader has read), and only what changed is put in. `depth` is how many levels down a child with the
 * same tag and attributes is patched rather than replaced (the answer bubble, then its Markdown's blocks).
 */
export function patchChildren(target: Element, source: Element, depth: number): void {
  const wanted = [...source.childNodes];
  for (const [index, next] of wanted.entries()) {
    const current = target.childNodes[index];
    if (current === undefined) {
      target.append(next);
      continue;
    }
    if (current.isEqualNode(next)) continue;
    if (depth > 0 && current instanceof Element && next instanceof Element && sameShell(current, next)) {
      patchChildren(current, next, depth - 1);
      continue;
    }
    current.replaceWith(next);
  }
  while (target.childNodes.length > wanted.length) target.lastChild?.remove();
}

/** The same tag and the same attributes: only the children differ. */
function sameShell(one: Element, other: Element): boolean {
  if (one.tagName !== other.tagName || one.attributes.length !== other.attributes.length) return false;
  return [...one.attributes].every((attribute) => other.getAttribute(attribute.name) === attribute.value);
}
