import type { ModelRef, ModelSpec } from "../ai/model-spec.js";
import type { ModelCatalog } from "./model-catalog.js";
import type { ConfigPath } from "../config/json5-locate.js";
import { formatPath } from "../config/written-keys.js";
import { SECRET_VARIABLE } from "../shared/secret-redactor.js";

type Named = Pick<ModelSpec, "provider" | "providerWritten">;

/** Whether a key is written with a variable whose name looks secret (…_KEY, …_TOKEN): what it became is never shown. */
function secretWritten(written: string): boolean {
  return [...written.matchAll(/\$\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}/g)].some((match) => SECRET_VARIABLE.test(match[1] ?? ""));
}

/** What a `${VAR}` provider key became, as config problems say it (`"${P}" is "acme"`). */
function became(written: string, provider: string): string {
  return secretWritten(written) ? `${JSON.stringify(written)} is set (value hidden)` : `${JSON.stringify(written)} is ${JSON.stringify(provider)}`;
}

/**
 * A provider as run-time messages name it (doctor, models status): as the config file writes its key —
 * `lmstudio`, or `"${P}" (acme)` for a key written with a variable — never only by what it became.
 */
export function providerName(model: Named): string {
  const written = model.providerWritten;
  if (written === undefined) return model.provider;
  return secretWritten(written) ? JSON.stringify(written) : `${JSON.stringify(written)} (${model.provider})`;
}

/**
 * A model's ref as run-time messages name it (models list and status, doctor, config validate, usage, a
 * failed turn's attempts): as the config file writes it — `lmstudio/m`, or `"${P}/m" (acme/m)` for a
 * provider key written with a variable (`"${KEY}/m"` alone where the variable looks secret) — the same
 * rule as providerName.
 */
export function refName(model: Named & Pick<ModelSpec, "ref">): string {
  const written = model.providerWritten;
  if (written === undefined) return model.ref;
  const asWritten = `${written}${model.ref.slice(model.provider.length)}`;
  return secretWritten(written) ? JSON.stringify(asWritten) : `${JSON.stringify(asWritten)} (${model.ref})`;
}

/** refName by ref over a catalog; a ref the catalog lacks (a model the config no longer has) as it is. */
export function refNamer(catalog: Pick<ModelCatalog, "models">): (ref: string) => string {
  return (ref) => {
    const model = catalog.models.get(ref as ModelRef);
    return model ? refName(model) : ref;
  };
}

/** A place under the provider in the config, as the file writes it: `models.providers.lmstudio.apiKey`, `models.providers["${P}"].apiKey ("${P}" is "acme")`. */
export function providerPath(model: Named, ...rest: ConfigPath): string {
  const written = model.providerWritten;
  const path = formatPath(["models", "providers", written ?? model.provider, ...rest]);
  return written === undefined ? path : `${path} (${became(written, model.provider)})`;
}

