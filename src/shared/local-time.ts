/**
 * Times for a person, one rule everywhere the CLI shows or reads one: this machine's local time,
 * labelled with its offset from UTC (`2026-12-03 16:18 +08:00`); a time typed without a zone is local
 * too. Files, logs on disk and `--json` keep ISO 8601 UTC (`…Z`), which carries its own label.
 */

export type TimePrecision = "minute" | "second" | "millisecond";

const pad = (value: number, width = 2): string => String(value).padStart(width, "0");

/** `+08:00`, `-03:30`, `+00:00`: the local zone's offset at that moment (summer time included). */
export function utcOffset(date: Date): string {
  const minutes = -date.getTimezoneOffset();
  const sign = minutes < 0 ? "-" : "+";
  const absolute = Math.abs(minutes);
  return `${sign}${pad(Math.floor(absolute / 60))}:${pad(absolute % 60)}`;
}

/** The local calendar day, `2026-12-03`. */
export function localDay(at: Date | string | number): string {
  const date = new Date(at);
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** `16:18`, `16:18:02` or `16:18:02.123`, local. */
function clock(date: Date, precision: TimePrecision): string {
  const minute = `${pad(date.getHours())}:${pad(date.getMinutes())}`;
  if (precision === "minute") return minute;
  const second = `${minute}:${pad(date.getSeconds())}`;
  return precision === "second" ? second : `${second}.${pad(date.getMilliseconds(), 3)}`;
}

/** `2026-12-03 16:18 +08:00` (or with seconds); an unreadable time is shown as given. */
export function localTime(at: Date | string | number, precision: TimePrecision = "minute"): string {
  const date = new Date(at);
  if (Number.isNaN(date.getTime())) return String(at);
  return `${localDay(date)} ${clock(date, precision)} ${utcOffset(date)}`;
}

/** `16:18:02.123 +08:00`: the time of day alone, for lines of one day (a log), labelled the same way. */
export function localClock(at: Date | string | number, precision: TimePrecision = "second"): string {
  const date = new Date(at);
  if (Number.isNaN(date.getTime())) return String(at);
  return `${clock(date, precision)} ${utcOffset(date)}`;
}

/**
 * A moment typed by a person: a day (`2026-12-03`: its local midnight), a local time with no zone
 * (`2026-12-03T16:00`, `2026-12-03 16:00:30`), or one with its zone (`…Z`, `…+08:00`), which is kept.
 * Undefined when it is none of these.
 */
export function parseLocalMoment(text: string): Date | undefined {
  const trimmed = text.trim();
  const parts = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?)?$/.exec(trimmed);
  if (parts) {
    const [year, month, day, hour, minute, second] = parts.slice(1, 7).map((part) => Number(part ?? 0)) as [number, number, number, number, number, number];
    const milliseconds = Number((parts[7] ?? "0").padEnd(3, "0"));
    const date = new Date(year, month - 1, day, hour, minute, second, milliseconds);
    // 2026-02-30 or 25:00 rolls over in Date: refuse it rather than read another day. (A local time
    // skipped by a summer-time change reads as the moment an hour later, as the clock would show it.)
    if (date.getFullYear() !== year || date.getMonth() !== month - 1 || date.getDate() !== day || hour > 23 || minute > 59 || second > 59) return undefined;
    return date;
  }
  if (!/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})$/i.test(trimmed)) return undefined;
  const date = new Date(trimmed.replace(" ", "T"));
  return Number.isNaN(date.getTime()) ? undefined : date;
}
