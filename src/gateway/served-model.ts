import type { ModelSpec } from "../ai/model-spec.js";
import type { LoadState } from "../models/load-state.js";
import type { OllamaLoadState } from "../models/ollama-load-state.js";
import type { ServedWindows } from "../models/served-windows.js";
import type { ServedModel } from "./port.js";

/**
 * What `model` is known to be served with, from what its servers said (no I/O): the window to plan
 * against, whether it can take tools, and its load state — LM Studio's word, else Ollama's at its last
 * look (`/api/ps`). Without the router's knowledge (`windows`, `loadState` absent), what the config says.
 */
export function servedModel(model: ModelSpec, known: { windows?: ServedWindows | undefined; loadState?: LoadState | undefined; ollama?: OllamaLoadState | undefined }): ServedModel {
  const { windows, loadState, ollama } = known;
  const tools = model.compat?.supportsTools === false ? false : windows?.toolsUsable(model);
  const states = model.replicas.map((baseUrl) => loadState?.knownLoaded(model, baseUrl) ?? ollama?.knownLoaded(model, baseUrl));
  const loaded = states.includes(true) ? true : states.length > 0 && states.every((state) => state === false) ? false : undefined;
  return { contextWindow: windows?.effectiveWindow(model) ?? model.contextWindow, tools, loaded };
}
