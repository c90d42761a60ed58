/** The setup problems as a banner, each with its fix; hidden when there are none. */
export function showSetupProblems(banner: HTMLElement, list: HTMLElement, problems: readonly string[]): void {
  list.replaceChildren(
    ...problems.map((problem) => {
      const item = document.createElement("li");
      item.textContent = problem;
      return item;
    }),
  );
  banner.hidden = problems.length === 0;
}
