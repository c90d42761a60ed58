import type { Agent } from "../agent/agent.js";
import type { ModelRef } from "../ai/model-spec.js";
import { emptyUsage } from "../ai/usage.js";
import type { ModelCatalog } from "../models/model-catalog.js";
import type { Attempt, RouterEvent } from "../models/router-events.js";
import type { AttemptRecord } from "../sessions/entries.js";
import type { Router } from "../models/router.js";
import { EventStream } from "../shared/event-stream.js";
import type { SecretRedactor } from "../shared/secret-redactor.js";
import type { FirstTokenRing } from "./first-token-ring.js";
import type { ProxyRequest } from "./port.js";
import type { ProxyLedger } from "./proxy-ledger.js";
import { TurnRedactor } from "./turn-redactor.js";

/** What a proxied call runs on: the config serving (the main agent's fallbacks and privacy), the router, and where its answer is counted. */
export interface ProxyCallDependencies {
  catalog: ModelCatalog;
  main: Agent;
  router: Router;
  latencies: FirstTokenRing;
  secrets?: SecretRedactor | undefined;
  proxyLedger?: ProxyLedger | undefined;
  /** A model answered the call (not one pinned to a replica): the setup check's look at its server is brought up to date. */
  onAnswered?: ((ref: ModelRef) => void) | undefined;
}

/**
 * Proxy mode's model call (GatewayPort.proxy): the model named, then the main agent's fallbacks —
 * never its primary, which is no stand-in the user wrote (a hosted primary with local fallbacks would
 * otherwise answer a client that named the local model, at a cost the config never asked for); its first-token latencies feed the health, its answer is counted for `hearth usage`, and
 * what the client is shown has the config's secrets masked, as a turn's has. Nothing is stored.
 */
export function proxyCall(request: ProxyRequest, dependencies: ProxyCallDependencies): EventStream<RouterEvent> {
  const out = new EventStream<RouterEvent>();
  const { catalog, main } = dependencies;
  const found = catalog.lookup(request.model);
  if (!found.ok) {
    out.push({ type: "route-error", message: `model "${request.model}": ${found.reason}`, failure: { kind: "model-not-found", message: found.reason }, attempts: [], spent: emptyUsage() });
    out.end();
    return out;
  }
  if (request.replica !== undefined && !found.model.replicas.includes(request.replica)) {
    const message = `model "${request.model}" has no replica at ${request.replica} (its servers: ${found.model.replicas.join(", ")})`;
    out.push({ type: "route-error", message, failure: { kind: "model-not-found", message }, attempts: [], spent: emptyUsage() });
    out.end();
    return out;
  }
  // Pinned to one replica: that server alone, nothing after it.
  const chain = request.replica !== undefined ? [{ ...found.model, baseUrl: request.replica, replicas: [request.replica] }] : [found.model, ...main.spec.fallbacks.filter((model) => model.ref !== found.model.ref)];
  const stream = dependencies.router.stream({
    chain,
    context: request.context,
    options: { ...request.options, signal: request.controller?.signal ?? request.signal ?? request.options?.signal },
    controller: request.controller,
    sessionKey: request.stickyKey,
    privacy: main.spec.privacy,
    named: found.model.ref,
    canRestart: request.canRestart ?? false,
    wholeAnswer: request.canRestart ?? false,
    askWindows: true,
    // The client keeps its own history: a candidate too small for it is skipped, never sent it shortened.
    wholeHistory: true,
    toolsRequired: (request.context.tools?.length ?? 0) > 0,
  });
  const observe = dependencies.latencies.route();
  // What the client is shown, with the config's secrets masked, as a turn's is (a server may echo a key).
  const secrets = dependencies.secrets;
  const redactor = secrets ? new TurnRedactor(secrets) : undefined;
  const show = (shown: RouterEvent): void => out.push(shown);
  // Passed on as each comes (a listener: no promise and microtask turn per event).
  stream.listen({
    event: (event) => {
      observe(event);
      if (!redactor) out.push(event);
      else redactor.each(event, show);
      // Counted once the answer is on its way to the client (the ledger writes its lines later still).
      if (event.type === "route-end") {
        countProxyAnswer(dependencies.proxyLedger, request.model, event);
        if (request.replica === undefined) dependencies.onAnswered?.(event.model);
      }
      else if (event.type === "route-error") countProxyFailure(dependencies.proxyLedger, request.model, event);
    },
    end: () => {
      for (const shown of redactor?.flush() ?? []) out.push(shown as RouterEvent);
      out.end();
    },
  });
  return out;
}

function countProxyAnswer(ledger: ProxyLedger | undefined, requested: string, end: Extract<RouterEvent, { type: "route-end" }>): void {
  const { message, attempts } = end;
  ledger?.record({ at: new Date().toISOString(), requested, model: message.model, usage: { ...message.usage }, cost: message.cost, attempts: attempts.map(attemptRecord) });
}

/** A request that made calls and got no answer: its calls are counted all the same (a hosted one that broke may have cost money). */
function countProxyFailure(ledger: ProxyLedger | undefined, requested: string, error: Extract<RouterEvent, { type: "route-error" }>): void {
  // A call stopped by the caller before its server counted anything (a warm-up that let go once a fallback began) spent nothing to count.
  const calls = error.attempts.filter((attempt) => !attempt.outcome.startsWith("skipped-") && !(attempt.outcome === "aborted" && attempt.usage === undefined));
  if (calls.length === 0) return;
  ledger?.record({ at: new Date().toISOString(), requested, failed: true, attempts: calls.map(attemptRecord) });
}

const attemptRecord = ({ model, outcome, ms, baseUrl, usage, cost }: Attempt): AttemptRecord => ({ model, outcome, ms, ...(baseUrl ? { baseUrl } : {}), ...(usage ? { usage } : {}), ...(cost !== undefined ? { cost } : {}) });
