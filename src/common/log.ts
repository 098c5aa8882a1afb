import { pino, destination, type Logger } from 'pino';

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

export function logger(component: string): Logger {
  return root.child({ component });
}

export function setLogLevel(level: string): void {
  root.level = level;
}

export type { Logger };
