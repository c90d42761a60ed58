import type { GatewayPort } from "../../../gateway/port.js";
import { looksLikeLmStudio } from "../../../models/looks-like-lmstudio.js";
import { keyIn, modelNamed, type LoadOutcome } from "./lmstudio-native.js";

/**
 * `POST /api/v1/models/unload` with `{ instance_id }` (the `instance_id` the load answered: the key
 * GET /api/v1/models lists), answered in LM Studio's shape (`{ instance_id }`, lmstudio-ai/docs "Unload
 * a model") with, as the load's answer has them, the model's `status` after it and a `message`.
 *
 * The model is not unloaded. A client set up for LM Studio unloads what it loaded once it is done, but
 * here the model is not that client's: the gateway serves it to every client and agent that names it,
 * and one of them may be mid-turn on it — unloading it would cut that answer off, or make the next
 * request wait for a cold load. So the client is answered as LM Studio would (its own work is done, it
 * need not fail), and `message` says the model stays loaded, why, and how its owner frees the memory.
 * A name the gateway does not serve is the 404 a request naming it gets.
 */
export function unloadModel(request: { port: Pick<GatewayPort, "catalogue">; body: unknown }): LoadOutcome {
  const name = keyIn(request.body, { field: "instance_id", what: 'the instance_id POST /api/v1/models/load answered (the key GET /api/v1/models lists, e.g. "hearth" or a model ref)' });
  const model = modelNamed(request.port.catalogue(), { name, field: "instance_id", verb: "unload" });
  const { spec } = model;
  if (!model.local) return { status: 200, body: { instance_id: name, status: "loaded", message: `not unloaded: ${spec.ref} is hosted, so nothing was loaded for it` } };
  const warm = spec.keepWarmIntervalSeconds === undefined ? "" : `, and its keepWarm in the config loads it again every ${spec.keepWarmIntervalSeconds} s`;
  const free = looksLikeLmStudio(spec) ? `\`hearth models unload ${spec.ref}\` asks LM Studio to unload it` : "stop its server (or unload it there)";
  return {
    status: 200,
    body: { instance_id: name, status: "loaded", message: `not unloaded: ${spec.ref} stays loaded — this gateway serves it to every client and agent that names it, and one may be mid-turn on it${warm}; to free its memory when none needs it, ${free}` },
  };
}
