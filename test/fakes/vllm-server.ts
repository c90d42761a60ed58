// A fake vLLM OpenAI-compatible server: the model listing hearth discovers from.
//
// Shape from vllm/entrypoints/openai/protocol.py (ModelCard): `GET /v1/models` → `{ object: "list",
// data: [{ id, object: "model", created, owned_by: "vllm", root, parent, max_model_len, permission: [...] }] }`;
// `GET /health` answers 200 with an empty body; unknown routes 404 `{"detail":"Not Found"}` (FastAPI).
import type { FakeServer, Handler } from "./fake-server.js";
import { startFakeServer } from "./fake-server.js";

export interface VllmOptions {
  /** The served model name (`--served-model-name`, else the model path). */
  id: string;
  /** `--max-model-len` (else the model's own maximum). */
  maxModelLen: number;
  /** The model path or repo (`root`); default the id. */
  root?: string;
}

export function startVllm(options: VllmOptions): Promise<FakeServer> {
  return startFakeServer(vllmHandler(options));
}

export function vllmHandler(options: VllmOptions): Handler {
  return (request) => {
    const route = `${request.method} ${request.path.split("?")[0] ?? "/"}`;
    if (route === "GET /v1/models") {
      return {
        kind: "json",
        body: {
          object: "list",
          data: [
            {
              id: options.id,
              object: "model",
              created: 1767225600,
              owned_by: "vllm",
              root: options.root ?? options.id,
              parent: null,
              max_model_len: options.maxModelLen,
              permission: [{ id: "modelperm-1", object: "model_permission", created: 1767225600, allow_create_engine: false, allow_sampling: true, allow_logprobs: true, allow_search_indices: false, allow_view: true, allow_fine_tuning: false, organization: "*", group: null, is_blocking: false }],
            },
          ],
        },
      };
    }
    if (route === "GET /health") return { kind: "raw", status: 200, chunks: [] };
    return { kind: "json", status: 404, body: { detail: "Not Found" } };
  };
}
