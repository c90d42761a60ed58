/** What a running gateway says it cannot do (its setup problems: no model answers, the state dir refuses writes), as `gateway status` tells it. */
export type GatewayProblems = { kind: "said"; problems: string[] } | { kind: "unsaid"; count: number; why: string };

/**
 * The words of the `count` problems a gateway's /health counts, asked of its `/api/status` (token-guarded:
 * they name paths and addresses) with the config's token. A token this command cannot read or that the
 * gateway refuses still gives a clear answer: how many there are, why their words are not here, and where
 * they are.
 */
export async function gatewayProblems(url: string, ask: { count: number; token: string | undefined; tokenUnknown: string | undefined; timeoutMs: number }): Promise<GatewayProblems> {
  const unsaid = (why: string): GatewayProblems => ({ kind: "unsaid", count: ask.count, why });
  try {
    const response = await fetch(`${url}/api/status`, { headers: ask.token === undefined ? {} : { authorization: `Bearer ${ask.token}` }, signal: AbortSignal.timeout(ask.timeoutMs) });
    if (response.status === 401) return unsaid(ask.tokenUnknown ?? (ask.token === undefined ? "it asks for a token and the config here sets no gateway.auth.token" : "it refused the config's gateway.auth.token (the gateway runs with another one)"));
    const body = (await response.json()) as { setup?: unknown };
    const problems = Array.isArray(body.setup) ? body.setup.filter((line): line is string => typeof line === "string") : [];
    return problems.length > 0 ? { kind: "said", problems } : unsaid(`its /api/status answered ${response.status} without them`);
  } catch (error) {
    return unsaid(`its /api/status did not answer (${error instanceof Error ? error.message : String(error)})`);
  }
}
