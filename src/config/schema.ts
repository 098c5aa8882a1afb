import { Cron } from 'croner';
import { z } from 'zod';

/** Listen address of `bosun serve` when neither the config file, the environment nor a flag sets one. */
export const DEFAULT_LISTEN = '127.0.0.1:8780';
/** Advisory sync at 03:17 every day: off the hour, so many installs do not hit one mirror at once. */
export const DEFAULT_SYNC_SCHEDULE = '17 3 * * *';
export const DEFAULT_CONCURRENCY = 2;
/** Full re-read of every engine's container list, besides following its event stream. */
export const DEFAULT_RESYNC_INTERVAL = '5m';
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;

/** A five- or six-field cron expression that croner accepts. */
export const cronSchema = z.string().refine(isValidCron, 'invalid cron expression; expected five fields such as "17 3 * * *"');

/** A duration as `90s`, `15m`, `6h`, `1d` or a number of seconds. */
export const durationSchema = z
  .union([z.number().int().positive(), z.string()])
  .transform((value, context) => {
    const ms = parseDuration(value);
    if (ms === undefined) {
      context.addIssue({ code: 'custom', message: 'invalid duration; expected a number of seconds or a value such as 90s, 15m, 6h, 1d' });
      return z.NEVER;
    }
    return ms;
  });

const tlsSchema = z
  .object({
    ca: z.string().min(1),
    cert: z.string().min(1),
    key: z.string().min(1),
  })
  .strict();

const engineSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9][-_.A-Za-z0-9]{0,63}$/, 'expected 1-64 letters, digits, ".", "_" or "-"'),
    url: z.string().min(1),
    tls: tlsSchema.optional(),
  })
  .strict();

/**
 * The config file as written. `loadConfig` resolves its paths against the file's folder, and it
 * checks channel entries with the notify module's own schemas.
 */
export const configFileSchema = z
  .object({
    listen: z.string().min(1).optional(),
    dataDir: z.string().min(1).optional(),
    databaseUrl: z.string().regex(/^postgres(ql)?:\/\//, 'expected a postgres:// or postgresql:// URL').optional(),
    engines: z.array(engineSchema).max(256).optional(),
    concurrency: z.number().int().min(1).max(64).optional(),
    sync: z
      .object({
        schedule: cronSchema.optional(),
        source: z.string().min(1).optional(),
      })
      .strict()
      .optional(),
    resyncInterval: durationSchema.optional(),
    channels: z.array(z.unknown()).max(64).optional(),
    digest: z.object({ schedule: cronSchema }).strict().optional(),
    policy: z.string().min(1).optional(),
    log: z.object({ level: z.enum(LOG_LEVELS).optional() }).strict().optional(),
  })
  .strict();

export type ConfigFile = z.infer<typeof configFileSchema>;

/**
 * Parses `90s`, `15m`, `6h`, `1d`, `250ms` or a number of seconds into milliseconds. Returns
 * undefined for anything else, and for zero or more than 30 days.
 */
export function parseDuration(value: number | string): number | undefined {
  const match = typeof value === 'number' ? [String(value), String(value), 's'] : /^(\d+)(ms|s|m|h|d)?$/.exec(value.trim());
  if (match === null) return undefined;

  const unitMs = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[(match[2] ?? 's') as 'ms' | 's' | 'm' | 'h' | 'd'];
  const ms = Number(match[1]) * unitMs;
  if (!Number.isSafeInteger(ms) || ms <= 0 || ms > 30 * 86_400_000) return undefined;
  return ms;
}

function isValidCron(pattern: string): boolean {
  try {
    new Cron(pattern, { paused: true }).stop();
    return true;
  } catch {
    return false;
  }
}
