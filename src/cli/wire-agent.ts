import { Agent } from "../agent/agent.js";
import { agentSpec } from "../agent/agent-spec.js";
import { createBuiltinTools } from "../agent/tools/registry.js";
import { stateDir } from "../config/paths.js";
import { SessionStore } from "../sessions/session-store.js";
import { HearthError } from "../shared/errors.js";
import { writeLine, type CliIo, type GlobalOptions } from "./io.js";
import { loadModels, printWarnings } from "./load-models.js";
import { createRouting } from "./wire-router.js";

/** Config → models → router, session store, tools → the agent a terminal command talks to. */
export function createAgentRuntime(io: CliIo, options: GlobalOptions & { agent?: string | undefined; model?: string | undefined }) {
  const { loaded, resolved, warnings } = loadModels(io, options);
  if (!options.json) printWarnings(io, loaded, warnings);
  const state = stateDir({ env: io.env, cwd: io.cwd });
  const onWarning = (message: string): void => writeLine(io.stderr, `hearth: warning: ${message}`);
  const routing = createRouting({ stateDir: state, onWarning });
  const store = new SessionStore(state, { onWarning, secrets: io.secrets });
  const spec = agentSpec(loaded.config, resolved, options.agent ?? "main");
  const agent = new Agent(spec, { router: routing.router, store, tools: createBuiltinTools({ exec: { hiddenFiles: [loaded.location.file] } }), catalog: resolved.catalog, stateDir: state, loadState: routing.loadState });
  let model;
  if (options.model) {
    const found = resolved.catalog.lookup(options.model);
    if (!found.ok) throw new HearthError("usage", `--model: ${found.reason}`);
    model = found.model;
  }
  return { agent, store, catalog: resolved.catalog, model, close: () => routing.http.destroy() };
}
