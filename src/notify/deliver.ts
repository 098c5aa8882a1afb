import { setTimeout as sleep } from 'node:timers/promises';
import { InputError, describeError } from '../common/errors.js';
import { logger } from '../common/log.js';
import { NotifyError, parseRetryAfter } from './errors.js';
import type { Channel, Message } from './types.js';

/** Time source for `deliver`; tests pass a fake one so that backoff waits take no time. */
export interface Clock {
  now(): number;
  /** Waits `ms` milliseconds; rejects with `signal.reason` when the signal aborts. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
  /** Returns a number in [0, 1) for jitter. */
  random(): number;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: async (ms, signal) => {
    try {
      await sleep(ms, undefined, { signal });
    } catch (error) {
      // timers/promises rejects with its own AbortError; callers expect the signal's reason.
      if (signal.aborted) throw signal.reason;
      throw error;
    }
  },
  random: () => Math.random(),
};

export interface DeliverOptions {
  /** Total tries, the first one included. */
  attempts: number;
  /** Backoff before the second try; it doubles for each further try. */
  baseDelayMs: number;
  /** Upper bound of the computed backoff. Default 5 minutes. */
  maxDelayMs?: number;
  /**
   * Longest `Retry-After` that `deliver` waits for. A receiver asking for more ends the
   * delivery as a retryable failure, so the caller can queue the message for later. Default 15 minutes.
   */
  maxRetryAfterMs?: number;
  signal: AbortSignal;
  clock?: Clock;
}

/** Outcome of `deliver`. On failure the caller records a dead letter with `error`. */
export type DeliveryResult =
  | { ok: true; attempts: number }
  | { ok: false; attempts: number; error: string; permanent: boolean; status?: number };

const log = logger('notify');

/**
 * Sends `message` through `channel`, retrying retryable failures with exponential backoff and
 * jitter, and waiting at least as long as a receiver's `Retry-After` requests. Permanent failures
 * (a rejected token, a bad URL) end at once.
 *
 * Resolves with the outcome and never rejects for a delivery failure. Rejects with
 * `signal.reason` when the caller aborts, because an aborted delivery is neither delivered nor
 * dead.
 *
 * @example
 * const result = await deliver(channel, notice, { attempts: 5, baseDelayMs: 2000, signal });
 * if (!result.ok) store.recordDeadLetter(channel.name, notice.id, result.error);
 */
export async function deliver(channel: Channel, message: Message, options: DeliverOptions): Promise<DeliveryResult> {
  checkOptions(options);
  const clock = options.clock ?? systemClock;
  const fields = { channel: channel.name, type: channel.type, notice: message.id };

  for (let attempt = 1; ; attempt++) {
    options.signal.throwIfAborted();
    try {
      await channel.send(message, options.signal);
      log.info({ ...fields, attempts: attempt }, 'notice delivered');
      return { ok: true, attempts: attempt };
    } catch (error) {
      if (options.signal.aborted) throw options.signal.reason;

      const failure = describeFailure(error, attempt);
      const delayMs = failure.permanent ? 0 : retryDelay(attempt, error, options, clock);
      const maxRetryAfterMs = options.maxRetryAfterMs ?? 15 * 60_000;
      if (failure.permanent || attempt >= options.attempts || delayMs > maxRetryAfterMs) {
        log.warn({ ...fields, attempts: attempt, status: failure.status, permanent: failure.permanent, error: failure.error }, 'notice delivery failed');
        return failure;
      }

      log.info({ ...fields, attempt, status: failure.status, delayMs, error: failure.error }, 'notice delivery failed; retrying');
      await clock.sleep(delayMs, options.signal);
    }
  }
}

function checkOptions(options: DeliverOptions): void {
  if (!Number.isInteger(options.attempts) || options.attempts < 1) {
    throw new InputError(`invalid delivery attempts ${options.attempts}: expected an integer of at least 1`);
  }
  if (!(options.baseDelayMs >= 0)) {
    throw new InputError(`invalid delivery baseDelayMs ${options.baseDelayMs}: expected 0 or more milliseconds`);
  }
}

function describeFailure(error: unknown, attempts: number): Extract<DeliveryResult, { ok: false }> {
  if (error instanceof NotifyError) {
    const result = { ok: false as const, attempts, error: error.message, permanent: !error.retryable };
    return error.status === undefined ? result : { ...result, status: error.status };
  }
  // Anything else is a bug in a channel or a value the request library rejected; it would fail
  // the same way again.
  return { ok: false, attempts, error: describeError(error), permanent: true };
}

/**
 * Computes the wait before try `attempt + 1`: "equal jitter" backoff, half fixed and half random,
 * so that retries from many notices spread out but never come sooner than half the backoff.
 * A `Retry-After` from the receiver raises the wait to at least that value.
 */
export function retryDelay(attempt: number, error: unknown, options: DeliverOptions, clock: Clock): number {
  const maxDelayMs = options.maxDelayMs ?? 5 * 60_000;
  const backoff = Math.min(maxDelayMs, options.baseDelayMs * 2 ** (attempt - 1));
  const jittered = Math.round(backoff / 2 + clock.random() * (backoff / 2));

  const retryAfterMs = error instanceof NotifyError ? parseRetryAfter(error.retryAfter, clock.now()) : undefined;
  return retryAfterMs === undefined ? jittered : Math.max(retryAfterMs, jittered);
}
