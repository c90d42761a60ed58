import type { SecretRedactor } from "../shared/secret-redactor.js";

/**
 * The same stream, except that whatever is written passes through the redactor first: the one place
 * every line hearth prints goes through, whichever command or library wrote it.
 */
export function redactingStream<S extends NodeJS.WritableStream>(stream: S, secrets: SecretRedactor): S {
  const write = (chunk: unknown, ...rest: unknown[]): boolean => {
    const text = typeof chunk === "string" ? chunk : chunk instanceof Uint8Array ? Buffer.from(chunk).toString("utf8") : undefined;
    const out = text === undefined ? chunk : secrets.redact(text);
    return (stream.write as (...args: unknown[]) => boolean).call(stream, out, ...rest);
  };
  return new Proxy(stream, {
    get(target, property) {
      if (property === "write") return write;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
