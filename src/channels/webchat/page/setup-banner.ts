/** The setup problems as a banner, each with its fix; hidden when there are none. */
function showSetupProblems(banner: HTMLElement, list: HTMLElement, problems: readonly string[]): void {
  list.replaceChildren(
    ...problems.map((problem) => {
      const item = document.createElement("li");
      item.textContent = problem;
      return item;
    }),
  );
  banner.hidden = problems.length === 0;
}

export interface SetupBanner {
  /** What keeps hearth from answering as set up (a hosted fallback answering for a local model that does not is one), as /api/status or an event says it. */
  setup(problems: readonly string[]): void;
  /** Session files the gateway cannot read (a directory, a FIFO…: GET /api/sessions names them with the fix). */
  sessions(problems: readonly string[]): void;
  /** How many session files could not be read. */
  sessionProblems(): number;
}

/** The page's banner: the setup problems, then the session files the gateway cannot read. */
export function createSetupBanner(banner: HTMLElement, list: HTMLElement): SetupBanner {
  let setup: readonly string[] = [];
  let sessions: readonly string[] = [];
  const draw = (): void => showSetupProblems(banner, list, [...setup, ...sessions]);
  return {
    setup: (problems) => {
      setup = problems;
      draw();
    },
    sessions: (problems) => {
      sessions = problems;
      draw();
    },
    sessionProblems: () => sessions.length,
  };
}
