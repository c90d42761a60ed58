import type { ModelCost } from "../../ai/api.js";
import type { ModelSpec } from "../../ai/model-spec.js";
import { chainAdvice } from "../../models/chain-advice.js";
import { providerName, providerPath, refName } from "../../models/provider-words.js";
import { variablePlace } from "../../models/key-advice.js";
import { commandLine, formatTable, painter, writeJson, writeLine, type CliIo, type GlobalOptions } from "../io.js";
import { loadModelsInUse, noModels, printWarnings, sayRunningOnDefault } from "../load-models.js";

export interface ModelsListOptions extends GlobalOptions {
  all?: boolean;
  local?: boolean;
}

interface Row {
  ref: string;
  /** The ref as messages name it where its provider's key is written with a variable (refName); absent otherwise. */
  named?: string;
  name: string;
  alias: string | null;
  api: string;
  contextWindow: number;
  maxTokens: number;
  local: boolean;
  cost: ModelCost;
  role: string;
  source: "config" | "builtin";
  keyPresent: boolean;
}

/** `hearth models list`: the chain and aliases; `--all` the whole merged catalog; `--local` local providers only. */
export async function modelsList(io: CliIo, options: ModelsListOptions): Promise<number> {
  const models = await loadModelsInUse(io, options);
  const { loaded, resolved, warnings } = models;
  sayRunningOnDefault(io, models);
  const { catalog, chain } = resolved;
  const rows: Row[] = [];
  const listed = new Set<string>();
  const push = (model: ModelSpec, role: string): void => {
    if (listed.has(model.ref) || (options.local && !model.local)) return;
    listed.add(model.ref);
    rows.push({
      ref: model.ref,
      ...(model.providerWritten !== undefined ? { named: refName(model) } : {}),
      name: model.name,
      alias: catalog.aliasOf(model.ref) ?? null,
      api: model.api,
      contextWindow: model.contextWindow,
      maxTokens: model.maxTokens,
      local: model.local,
      cost: model.cost,
      role,
      source: model.source,
      keyPresent: model.apiKey !== undefined || model.local,
    });
  };
  for (const entry of chain) push(entry.model, entry.role);
  for (const ref of catalog.aliases.keys()) {
    const model = catalog.models.get(ref);
    if (model) push(model, "alias-only");
  }
  if (options.all) for (const model of catalog.models.values()) push(model, "catalog");

  if (options.json) {
    writeJson(io, { models: rows.map(({ keyPresent: _keyPresent, ...row }) => row) });
    return 0;
  }
  printWarnings(io, loaded, [...warnings, ...chainAdvice(resolved)]);
  const paint = painter(io);
  if (rows.length === 0) {
    writeLine(io.stdout, options.local ? `No local models: add a provider with a local baseUrl (\`${commandLine(io, "init")}\` writes one for LM Studio).` : noModels(io));
    return 0;
  }
  const table = formatTable(
    ["ROLE", "MODEL", "ALIAS", "NAME", "API", "CONTEXT", "MAX OUT", "COST IN/OUT", "WHERE"],
    rows.map((row) => [
      roleLabel(row.role),
      row.named ?? row.ref,
      row.alias ?? "",
      row.name,
      row.api,
      groupThousands(row.contextWindow),
      groupThousands(row.maxTokens),
      formatCost(row.cost),
      row.local ? "local" : row.keyPresent ? "hosted" : "hosted, no key",
    ]),
  );
  writeLine(io.stdout, paint("bold", table[0] ?? ""));
  for (const line of table.slice(1)) writeLine(io.stdout, line);
  if (resolved.defaultPrimary) {
    writeLine(io.stderr, paint("dim", "note: agents.defaults.model.primary is not set; the first configured model is the primary."));
  }
  const missingKeys = new Set(rows.filter((row) => !row.keyPresent && row.role !== "catalog").map((row) => row.ref.split("/")[0] ?? ""));
  for (const providerId of missingKeys) {
    const provider = catalog.providers.get(providerId);
    const variable = provider?.apiKeyEnv ? `set ${variablePlace(provider.apiKeyEnv)}, or ` : "";
    // Named as the config writes its key (a `${VAR}` key as written, with what it became).
    const named = { provider: providerId, providerWritten: provider?.written };
    writeLine(io.stderr, paint("yellow", `note: provider ${provider?.written ? providerName(named) : `"${providerId}"`} has no API key: ${variable}give ${providerPath(named, "apiKey")}.`));
  }
  return 0;
}

function roleLabel(role: string): string {
  if (role.startsWith("fallback-")) return `fallback ${role.slice("fallback-".length)}`;
  return role;
}

function formatCost(cost: ModelCost): string {
  if (cost.input === 0 && cost.output === 0) return "free";
  const money = (value: number): string => `$${value < 1 ? value.toFixed(3).replace(/0$/, "") : value.toFixed(2)}`;
  return `${money(cost.input)}/${money(cost.output)} per M`;
}

/** 196608 → "196,608" (without loading ICU for toLocaleString). */
function groupThousands(value: number): string {
  return String(value).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}
