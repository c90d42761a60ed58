/**
 * The key a discovered model is named by in refs, where its id is a file path (a llama-server started
 * with `-m /path/model.gguf` lists the path): the file's stem ("stories260K"). Undefined where the id is
 * fine as it is — LM Studio's `qwen/qwen3-8b` (a ref splits on its first "/"), Ollama's `llama3:8b`.
 */
export function modelKey(id: string): string | undefined {
  return pathKey(id, 0);
}

/**
 * The keys for models a provider is to list, by id (only the ids that need one: see modelKey). Each
 * is unique in the provider as a lookup compares names (regardless of case), among the keys given and
 * against every id in it: `taken` holds the ids and keys of the entries the provider lists already.
 * Where two files share a stem (two quantisations in folders of their own), each key takes as many of
 * the folders it is in as tell them apart, the path's tail: `Q4_K_M-qwen3-8b`, `Q8_0-qwen3-8b`. Where
 * no folder does, the later ones are numbered: `qwen3-8b-2`.
 */
export function modelKeys(ids: readonly string[], taken: readonly string[] = []): Map<string, string> {
  const depth = new Map<string, number>();
  for (const id of ids) if (modelKey(id) !== undefined && !depth.has(id)) depth.set(id, 0);
  // A key may equal its own model's id, never another's.
  const others = (id: string): Set<string> => new Set([...taken, ...ids.filter((other) => other !== id)].map((name) => name.toLowerCase()));
  const keyOf = (id: string): string => pathKey(id, depth.get(id) ?? 0) ?? id;

  // Each round, every key that collides takes one more folder, as long as it has one: keys grow only as far as they must.
  for (let round = 0; round < 64; round++) {
    const clashing = [...depth.keys()].filter((id) => clashes(id, keyOf(id), { keys: [...depth.keys()].map((other) => [other, keyOf(other)] as const), others: others(id) }));
    const deeper = clashing.filter((id) => pathKey(id, (depth.get(id) ?? 0) + 1) !== keyOf(id));
    if (deeper.length === 0) break;
    for (const id of deeper) depth.set(id, (depth.get(id) ?? 0) + 1);
  }

  const keys = new Map<string, string>();
  const used = new Set<string>();
  for (const id of depth.keys()) {
    const base = keyOf(id);
    const free = (key: string): boolean => !used.has(key.toLowerCase()) && !others(id).has(key.toLowerCase());
    let key = base;
    for (let number = 2; !free(key); number++) key = `${base}-${number}`;
    keys.set(id, key);
    used.add(key.toLowerCase());
  }
  return keys;
}

function clashes(id: string, key: string, names: { keys: readonly (readonly [string, string])[]; others: ReadonlySet<string> }): boolean {
  const lower = key.toLowerCase();
  return names.others.has(lower) || names.keys.some(([other, otherKey]) => other !== id && otherKey.toLowerCase() === lower);
}

/** The file's stem with the `folders` innermost folders before it (`Q4_K_M-qwen3-8b`), as a key may be written; undefined where the id is not a path. */
function pathKey(id: string, folders: number): string | undefined {
  if (!/^[/~.]|\\|\.gguf$/i.test(id)) return undefined;
  const parts = id.split(/[\\/]/).filter((part) => part !== "" && part !== "." && part !== "..");
  const file = (parts.pop() ?? "").replace(/\.gguf$/i, "");
  const tail = [...parts.slice(Math.max(0, parts.length - folders)), file];
  const key = tail.join("-").replace(/[^A-Za-z0-9._:-]+/g, "-").replace(/^[^A-Za-z0-9]+/, "");
  return key === "" ? undefined : key;
}
