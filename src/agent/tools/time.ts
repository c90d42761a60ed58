import * as z from "zod";
import type { Clock } from "../../shared/clock.js";
import { didYouMean } from "../../shared/did-you-mean.js";
import type { Tool } from "./tool.js";

const parameters = z.strictObject({
  timezone: z.string().optional().describe("IANA zone, e.g. Europe/Paris; default: the user's"),
});

export interface TimeToolOptions {
  clock?: Pick<Clock, "now"> | undefined;
  /** The zone used when the model names none; default: this machine's. */
  defaultZone?: string | undefined;
}

/** `time`: the current date and time, in the user's zone or a named one. */
export function createTimeTool(options: TimeToolOptions = {}): Tool<z.output<typeof parameters>> {
  return {
    name: "time",
    description: "Current date and time.",
    parameters,
    async run(args) {
      const zone = args.timezone?.trim() || options.defaultZone || Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
      const now = new Date(options.clock?.now() ?? Date.now());
      let format: Intl.DateTimeFormat;
      try {
        format = new Intl.DateTimeFormat("en-US", {
          timeZone: zone,
          hourCycle: "h23",
          weekday: "long",
          year: "numeric",
          month: "2-digit",
          day: "2-digit",
          hour: "2-digit",
          minute: "2-digit",
          second: "2-digit",
          timeZoneName: "longOffset",
        });
      } catch {
        const hint = didYouMean(zone, Intl.supportedValuesOf("timeZone"));
        return { content: `"${zone}" is not a time zone${hint || "."} Use an IANA name such as "Europe/Paris" or "America/New_York", or leave timezone out.`, isError: true };
      }
      const parts = Object.fromEntries(format.formatToParts(now).map((part) => [part.type, part.value]));
      const offset = (parts["timeZoneName"] ?? "GMT").replace("GMT", "") || "+00:00";
      const iso = `${parts["year"]}-${parts["month"]}-${parts["day"]}T${parts["hour"]}:${parts["minute"]}:${parts["second"]}${offset === "+00:00" ? "Z" : offset}`;
      const name = format.resolvedOptions().timeZone;
      return { content: `time: ${iso}\nweekday: ${parts["weekday"]}\ntimezone: ${name} (UTC${offset})` };
    },
  };
}
