import type { LookupFunction } from "node:net";
import { afterEach, beforeEach } from "node:test";
import { HttpClient } from "../../src/ai/http/http-client.js";
import type { ModelSpec } from "../../src/ai/model-spec.js";
import type { Context } from "../../src/ai/types.js";
import { createRouting } from "../../src/cli/wire-router.js";
import type { RouteRequest } from "../../src/models/router.js";
import type { RouterEvent } from "../../src/models/router-events.js";
import { collect } from "../../src/shared/event-stream.js";
import type { RecordedRequest } from "../fakes/fake-server.js";
import { ManualClock, settle } from "./manual-clock.js";
import { resolveText } from "./config.js";

/** Providers named by key, each a local fake server; every provider serves model "m". */
export function chainFromServers(servers: Record<string, string | string[]>, providerExtras: Record<string, string> = {}, primary?: string): ModelSpec[] {
  const providers = Object.entries(servers)
    .map(([id, base]) => {
      const url = Array.isArray(base) ? `baseUrls: ${JSON.stringify(base)}` : `baseUrl: ${JSON.stringify(base)}`;
      return `${id}: { ${url}, api: "openai-completions", ${providerExtras[id] ?? ""} models: [{ id: "m", contextWindow: ${id.startsWith("big") ? 200000 : 32000}, maxTokens: 1000 }] }`;
    })
    .join(",\n");
  const ids = Object.keys(servers);
  const first = primary ?? ids[0];
  const text = `{ agents: { defaults: { model: { primary: "${first}/m", fallbacks: ${JSON.stringify(ids.filter((id) => id !== first).map((id) => `${id}/m`))} } } },
    models: { mode: "replace", providers: { ${providers} } } }`;
  return resolveText(text).chain.map((entry) => entry.model);
}

export function testRouting(lookup?: LookupFunction) {
  const clock = new ManualClock();
  const http = new HttpClient(lookup ? { lookup } : {});
  const routing = createRouting({ http, clock });
  return { ...routing, clock, close: () => http.destroy() };
}

export type TestRouting = ReturnType<typeof testRouting>;

/**
 * A fresh `testRouting` for each test of the enclosing describe (its own cooldowns, replicas, load
 * state: no test depends on another's order), closed after it. The object returned is refilled before
 * each test: read it inside tests and hooks.
 */
export function routingPerTest(lookup?: LookupFunction): TestRouting {
  const routing = {} as TestRouting;
  beforeEach(() => {
    Object.assign(routing, testRouting(lookup));
  });
  afterEach(() => routing.close());
  return routing;
}

export const ask: Context = { systemPrompt: "S", messages: [{ role: "user", content: "hello" }] };

export interface RouteOutcome {
  events: RouterEvent[];
  text: string;
  end: Extract<RouterEvent, { type: "route-end" }> | undefined;
  error: Extract<RouterEvent, { type: "route-error" }> | undefined;
  outcomes: string[];
}

export async function route(router: { stream(request: RouteRequest): AsyncIterable<RouterEvent> }, request: RouteRequest): Promise<RouteOutcome> {
  const events = await collect(router.stream(request));
  const last = events[events.length - 1];
  const end = last?.type === "route-end" ? last : undefined;
  const error = last?.type === "route-error" ? last : undefined;
  const attempts = end?.attempts ?? error?.attempts ?? [];
  return {
    events,
    text: events.map((event) => (event.type === "text-delta" ? event.delta : "")).join(""),
    end,
    error,
    outcomes: attempts.map((attempt) => `${attempt.model} ${attempt.outcome}`),
  };
}

/**
 * Routes `request` while the manual clock moves on a second at a time, a moment of real time (5 ms)
 * before each step for the servers to answer; the clock moves only once `clockStartsWhen` holds, and
 * stops at `limitMs` of simulated time. Returns the outcome and the simulated time that passed.
 */
export async function routeWhileClockMoves(options: {
  routing: TestRouting;
  request: RouteRequest;
  limitMs?: number;
  clockStartsWhen?: () => boolean;
}): Promise<RouteOutcome & { simulatedMs: number }> {
  const { routing, limitMs = Number.POSITIVE_INFINITY, clockStartsWhen = () => true } = options;
  const pending = route(routing.router, options.request);
  let finished = false;
  void pending.then(() => (finished = true));
  let simulatedMs = 0;
  while (!finished && simulatedMs < limitMs) {
    await settle(5);
    if (!clockStartsWhen()) continue;
    routing.clock.advance(1_000);
    simulatedMs += 1_000;
  }
  return { ...(await pending), simulatedMs };
}

/** The tag a test put first in a request's message (`"first …"`, `"warm …"`): which request a server holds. */
export const tagOf = (request: RecordedRequest): string => JSON.stringify(request.body).match(/"content":"(\w+) /)?.[1] ?? "";
