/** Fields that may hold a message's words or a credential: never written, whatever logs them. */
const REDACTED_FIELDS = ["text", "body", "content", "token", "apiKey"] as const;
const CENSOR = "[redacted]";

type Fields = Record<string, unknown>;

const isObject = (value: unknown): value is Fields => typeof value === "object" && value !== null;
const has = (object: Fields, key: string): boolean => Object.prototype.hasOwnProperty.call(object, key) && object[key] !== undefined;

/** A copy with the same prototype and own properties (an Error keeps its message and stack). */
function copyOf(object: Fields): Fields {
  return Object.create(Object.getPrototypeOf(object) as object | null, Object.getOwnPropertyDescriptors(object)) as Fields;
}

/** `object` with its `headers.authorization` and the redacted fields censored; the same object when none is there. */
function censorLevel(object: Fields, fields: readonly string[]): Fields {
  let out: Fields | undefined;
  for (const field of fields) {
    if (!has(object, field)) continue;
    out ??= copyOf(object);
    out[field] = CENSOR;
  }
  const headers = object.headers;
  if (isObject(headers) && has(headers, "authorization")) {
    out ??= copyOf(object);
    out.headers = { ...copyOf(headers), authorization: CENSOR };
  }
  return out ?? object;
}

/**
 * A log line's fields with message bodies and credentials censored by name — `text`, `body`,
 * `content`, `token`, `apiKey` and `headers.authorization`, at the top and one level down — as pino's
 * `redact` paths (`text`, `*.text`, … `*.headers.authorization`) did, without parsing those paths on
 * every line (it was the largest allocation of a proxied request). The caller's object is never changed.
 */
export function redactLogFields(object: Fields): Fields {
  let out = censorLevel(object, REDACTED_FIELDS);
  for (const key of Object.keys(object)) {
    const value = out[key];
    if (!isObject(value) || Array.isArray(value)) continue;
    const censored = censorLevel(value, REDACTED_FIELDS);
    if (censored === value) continue;
    if (out === object) out = copyOf(object);
    out[key] = censored;
  }
  return out;
}
