import { pino, destination, type Logger } from 'pino';
import { InputError } from './errors.js';

/**
 * The process-wide structured logger. Components take a child with `component` set; values go
 * in fields (`image`, `digest`, `diffId`, `pkg`, `ecosystem`, `advisory`), never in the message.
 *
 * Logs go to stderr so that command output on stdout stays machine-readable. The level comes
 * from `BOSUN_LOG_LEVEL` (default `warn` for the CLI; `bosun serve` sets `info`).
 */
const root: Logger = pino(
  {
    level: process.env['BOSUN_LOG_LEVEL'] ?? 'warn',
    base: undefined,
    redact: {
      paths: ['password', 'token', 'authorization', '*.password', '*.token', '*.authorization', 'headers.authorization'],
      censor: '[redacted]',
    },
  },
  destination({ dest: 2, sync: true }),
);

// pino children copy the level at creation, and modules create theirs at import time, so a
// level set later from a command-line flag has to be applied to each child as well.
const children: Logger[] = [];

export function logger(component: string): Logger {
  const child = root.child({ component });
  children.push(child);
  return child;
}

export function setLogLevel(level: string): void {
  if (!root.levels.values[level]) {
    throw new InputError(`invalid log level "${level}"`, { hint: `use one of: ${Object.keys(root.levels.values).join(', ')}` });
  }
  root.level = level;
  for (const child of children) child.level = level;
}

export type { Logger };
