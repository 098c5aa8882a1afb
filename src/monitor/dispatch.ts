import { Cron } from 'croner';
import { describeError } from '../common/errors.js';
import { logger, type Logger } from '../common/log.js';
import { deliver, digest, noticeSchema, type Channel, type Clock, type Message, type Notice } from '../notify/index.js';
import type { Store } from '../store/index.js';
import type { DeliverySettings } from './types.js';

export const DEFAULT_DELIVERY: DeliverySettings = { attempts: 3, baseDelayMs: 2000, maxRuns: 5, retryAfterMs: 60_000, pollIntervalMs: 30_000 };

/** Maximum wait between two runs of one delivery. */
const MAX_RUN_DELAY_MS = 60 * 60_000;

export interface DispatcherOptions {
  store: Store;
  channels: readonly Channel[];
  settings?: Partial<DeliverySettings>;
  /** When set, pending deliveries wait for this cron schedule and go out as one digest per channel. */
  digestSchedule?: string;
  /** Passed to `deliver()`; tests use one without waits. */
  clock?: Clock;
  logger?: Logger;
}

/** Deliveries handled by one run. */
export interface DispatchOutcome {
  sent: number;
  /** Failed this run and scheduled for a later one. */
  retrying: number;
  dead: number;
}

interface PendingDelivery {
  id: number;
  noticeId: string;
  channel: string;
  attempts: number;
  notice: Notice | undefined;
}

/**
 * Sends `pending` deliveries. Each run tries a delivery with `deliver()`, which retries with
 * backoff inside the run. A failure schedules the next run through `next_attempt_at`. After
 * `maxRuns` runs, or at once for a permanent failure, the delivery becomes `dead` with its last
 * error: that row is the dead-letter record.
 *
 * Delivery is at least once: a row is marked `sent` only after the channel accepted the message,
 * so a process killed between the two resends that message at the next start. Receivers can drop
 * the duplicate by the stable notice id.
 */
export class Dispatcher {
  private readonly settings: DeliverySettings;
  private readonly log: Logger;
  private controller: AbortController | undefined;
  private timer: NodeJS.Timeout | undefined;
  private cron: Cron | undefined;
  private running: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: DispatcherOptions) {
    this.settings = { ...DEFAULT_DELIVERY, ...options.settings };
    this.log = options.logger ?? logger('monitor.dispatch');
  }

  /** Starts the poll loop, or the digest schedule in digest mode. */
  start(): void {
    if (this.controller) return;
    this.controller = new AbortController();
    if (this.options.digestSchedule !== undefined) {
      this.cron = new Cron(this.options.digestSchedule, { protect: true }, () => this.trigger());
      return;
    }
    this.timer = setInterval(() => this.trigger(), this.settings.pollIntervalMs);
    this.trigger();
  }

  /** Starts a run now unless one is in progress; single-notice mode only. */
  trigger(): void {
    const signal = this.controller?.signal;
    if (!signal) return;
    const work = this.options.digestSchedule !== undefined ? () => this.sendDigests(signal) : () => this.runOnce(signal);
    this.running = this.running.then(work).catch((error: unknown) => {
      if (!signal.aborted) this.log.error({ error: describeError(error) }, 'delivery run failed');
    });
  }

  /** Stops the loop and aborts a delivery in progress; an aborted delivery stays `pending`. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.cron?.stop();
    this.controller?.abort();
    await this.running;
    this.controller = undefined;
  }

  /** Sends every due pending delivery, one message each. */
  async runOnce(signal: AbortSignal = new AbortController().signal, now = new Date()): Promise<DispatchOutcome> {
    const outcome: DispatchOutcome = { sent: 0, retrying: 0, dead: 0 };
    for (const delivery of await this.due(now)) {
      signal.throwIfAborted();
      const channel = this.options.channels.find((candidate) => candidate.name === delivery.channel);
      if (channel === undefined || delivery.notice === undefined) {
        const reason = channel === undefined ? `channel "${delivery.channel}" is not configured` : `notice ${delivery.noticeId} is missing or invalid`;
        await this.markDead([delivery], reason);
        outcome.dead += 1;
        continue;
      }
      const result = await this.attempt(channel, delivery.notice, [delivery], signal);
      outcome[result] += 1;
    }
    return outcome;
  }

  /** Sends one digest per channel of every due pending delivery. */
  async sendDigests(signal: AbortSignal = new AbortController().signal, now = new Date()): Promise<DispatchOutcome> {
    const outcome: DispatchOutcome = { sent: 0, retrying: 0, dead: 0 };
    const byChannel = new Map<string, PendingDelivery[]>();
    for (const delivery of await this.due(now)) {
      const list = byChannel.get(delivery.channel) ?? [];
      list.push(delivery);
      byChannel.set(delivery.channel, list);
    }

    for (const [name, deliveries] of byChannel) {
      signal.throwIfAborted();
      const channel = this.options.channels.find((candidate) => candidate.name === name);
      const notices = deliveries.map((delivery) => delivery.notice).filter((notice): notice is Notice => notice !== undefined);
      if (channel === undefined || notices.length === 0) {
        await this.markDead(deliveries, channel === undefined ? `channel "${name}" is not configured` : 'the notices are missing or invalid');
        outcome.dead += deliveries.length;
        continue;
      }
      const result = await this.attempt(channel, digest(notices, { now }), deliveries, signal);
      outcome[result] += deliveries.length;
    }
    return outcome;
  }

  private async attempt(channel: Channel, message: Message, deliveries: PendingDelivery[], signal: AbortSignal): Promise<keyof DispatchOutcome> {
    const result = await deliver(channel, message, {
      attempts: this.settings.attempts,
      baseDelayMs: this.settings.baseDelayMs,
      signal,
      ...(this.options.clock && { clock: this.options.clock }),
    });
    const now = new Date();
    const ids = deliveries.map((delivery) => delivery.id);
    const runs = Math.max(...deliveries.map((delivery) => delivery.attempts)) + 1;

    if (result.ok) {
      await this.update(ids, { status: 'sent', last_error: null, next_attempt_at: null }, now);
      return 'sent';
    }
    if (result.permanent || runs >= this.settings.maxRuns) {
      await this.update(ids, { status: 'dead', last_error: result.error, next_attempt_at: null }, now);
      this.log.warn({ channel: channel.name, notice: message.id, runs, error: result.error }, 'delivery failed for good; kept as dead letter');
      return 'dead';
    }
    const delayMs = Math.min(MAX_RUN_DELAY_MS, this.settings.retryAfterMs * 2 ** (runs - 1));
    await this.update(ids, { status: 'pending', last_error: result.error, next_attempt_at: new Date(now.getTime() + delayMs).toISOString() }, now);
    return 'retrying';
  }

  private async update(ids: number[], values: { status: string; last_error: string | null; next_attempt_at: string | null }, now: Date): Promise<void> {
    await this.options.store.db
      .updateTable('deliveries')
      .set((eb) => ({ ...values, attempts: eb('attempts', '+', 1), updated_at: now.toISOString() }))
      .where('id', 'in', ids)
      .execute();
  }

  private async markDead(deliveries: PendingDelivery[], reason: string): Promise<void> {
    await this.update(deliveries.map((delivery) => delivery.id), { status: 'dead', last_error: reason, next_attempt_at: null }, new Date());
    this.log.warn({ deliveries: deliveries.length, error: reason }, 'delivery cannot be sent; kept as dead letter');
  }

  /** Loads due pending deliveries with their notices, oldest first. */
  private async due(now: Date): Promise<PendingDelivery[]> {
    const rows = await this.options.store.db
      .selectFrom('deliveries as d')
      .leftJoin('notices as n', 'n.id', 'd.notice_id')
      .select(['d.id', 'd.notice_id', 'd.channel', 'd.attempts', 'n.payload'])
      .where('d.status', '=', 'pending')
      .where((eb) => eb.or([eb('d.next_attempt_at', 'is', null), eb('d.next_attempt_at', '<=', now.toISOString())]))
      .orderBy('d.id')
      .limit(1000)
      .execute();
    return rows.map((row) => ({ id: row.id, noticeId: row.notice_id, channel: row.channel, attempts: row.attempts, notice: parseNotice(row.payload) }));
  }
}

function parseNotice(payload: string | null): Notice | undefined {
  if (payload === null) return undefined;
  try {
    const result = noticeSchema.safeParse(JSON.parse(payload));
    return result.success ? result.data : undefined;
  } catch {
    return undefined;
  }
}
