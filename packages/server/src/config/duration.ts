import { z } from 'zod';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const DURATION = /^(\d+(?:\.\d+)?(?:ms|s|m|h))+$/;

/** Go-style durations as Centrifugo writes them: "25s", "5m", "1h30m", "500ms", "0s". */
export function parseDuration(text: string): number | undefined {
  if (text === '0') return 0;
  if (!DURATION.test(text)) return undefined;
  let total = 0;
  for (const [, amount, unit] of text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) total += Number(amount) * UNITS[unit!]!;
  return Math.round(total);
}

/** A duration setting: a string in the file, milliseconds in the resolved config. */
export function duration(defaultMs: number) {
  return z
    .unknown()
    .transform((value, ctx) => {
      const ms = typeof value === 'string' ? parseDuration(value.trim()) : undefined;
      if (ms === undefined) {
        ctx.addIssue({ code: 'custom', message: `${JSON.stringify(value)} is not a duration — write it like "25s", "5m", "1h30m" or "500ms"` });
        return z.NEVER;
      }
      return ms;
    })
    .optional()
    .transform((ms) => ms ?? defaultMs);
}
