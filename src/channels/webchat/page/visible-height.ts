/**
 * The page's height follows the part of the screen the user sees: on a phone whose browser lays the page out
 * under the on-screen keyboard (Safari), the message box would otherwise sit behind the keyboard. Sets
 * `--visible-height` (styles.css sizes the body with it); a pinch zoom (scale > 1) is not a smaller screen.
 */
export function followVisibleHeight(root: HTMLElement, viewport: VisualViewport | null): void {
  if (!viewport) return;
  const apply = (): void => root.style.setProperty("--visible-height", `${Math.round(viewport.height * viewport.scale)}px`);
  viewport.addEventListener("resize", apply);
  apply();
}
