import { cataloguerKey, cataloguers } from '../catalog/index.js';
import { BosunError, describeError } from '../common/errors.js';
import { logger, type Logger } from '../common/log.js';
import type { EngineEndpoint } from '../engine/index.js';
import { catalogueTarget, type CatalogueOutcome } from '../scan/index.js';
import type { Store } from '../store/index.js';

/** Payload of a `scan` job: the engine that has the image, and the image ID there. */
export interface ScanJobPayload {
  endpoint: string;
  /** `docker` or `podman`: picks the `docker-daemon:` or `podman:` transport. */
  kind: 'docker' | 'podman';
  /** The image ID (config digest). */
  imageId: string;
  /** A reference the image goes by, for logs. */
  reference?: string;
}

/** Failed runs after which a scan job stays `failed` until the image is seen again. */
const MAX_SCAN_ATTEMPTS = 3;

/**
 * Queues a scan of an image, unless the store already has it catalogued with the current
 * cataloguer key. Jobs are unique by kind and key (the image digest): a queued or running job is
 * left alone, and a `done` or `failed` one goes back to `queued`. Returns true when a job was
 * queued.
 */
export async function enqueueScan(store: Store, payload: ScanJobPayload, now = new Date()): Promise<boolean> {
  const image = await store.db.selectFrom('images').select('cataloguer_key').where('config_digest', '=', payload.imageId).executeTakeFirst();
  if (image?.cataloguer_key === cataloguerKey(cataloguers)) return false;

  const timestamp = now.toISOString();
  const result = await store.db
    .insertInto('jobs')
    .values({ kind: 'scan', key: payload.imageId, payload: JSON.stringify(payload), state: 'queued', attempts: 0, last_error: null, created_at: timestamp, updated_at: timestamp })
    .onConflict((conflict) =>
      conflict
        .columns(['kind', 'key'])
        .doUpdateSet({ state: 'queued', payload: JSON.stringify(payload), attempts: 0, last_error: null, updated_at: timestamp })
        .where('jobs.state', 'in', ['done', 'failed']),
    )
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
}

/**
 * Puts jobs that a killed process left `running` back to `queued`. Call it once at start, before
 * any worker runs, and only when no other process works the same queue.
 */
export async function recoverJobs(store: Store, now = new Date()): Promise<number> {
  const result = await store.db
    .updateTable('jobs')
    .set({ state: 'queued', updated_at: now.toISOString() })
    .where('state', '=', 'running')
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

interface ClaimedJob {
  id: number;
  payload: ScanJobPayload;
  attempts: number;
}

/**
 * Takes the oldest queued job of a kind and marks it `running`. The update re-checks the state,
 * so two workers (or two processes on PostgreSQL) never take the same job.
 */
async function claimJob(store: Store, kind: string): Promise<ClaimedJob | undefined> {
  for (;;) {
    const candidate = await store.db.selectFrom('jobs').select(['id']).where('kind', '=', kind).where('state', '=', 'queued').orderBy('id').limit(1).executeTakeFirst();
    if (candidate === undefined) return undefined;
    const claimed = await store.db
      .updateTable('jobs')
      .set((eb) => ({ state: 'running', attempts: eb('attempts', '+', 1), updated_at: new Date().toISOString() }))
      .where('id', '=', candidate.id)
      .where('state', '=', 'queued')
      .returning(['id', 'payload', 'attempts'])
      .executeTakeFirst();
    if (claimed) return { id: claimed.id, payload: JSON.parse(claimed.payload) as ScanJobPayload, attempts: claimed.attempts };
  }
}

async function finishJob(store: Store, id: number, state: 'done' | 'failed' | 'queued', error: string | null): Promise<void> {
  await store.db.updateTable('jobs').set({ state, last_error: error, updated_at: new Date().toISOString() }).where('id', '=', id).execute();
}

/** A finished scan job run, as `onScanFinished` reports it. */
export interface ScanFinished {
  /** The image ID (config digest). */
  digest: string;
  /** Time from taking the job to finishing it, `onScanned` included, in milliseconds. */
  durationMs: number;
  /** False when the run failed; the job is then queued again or left `failed`. */
  ok: boolean;
}

export interface ScanQueueOptions {
  store: Store;
  endpoints: readonly EngineEndpoint[];
  /** Jobs run at once. Default 2. */
  concurrency?: number;
  /** Called after each image is catalogued, with its config digest; the monitor re-matches it there. */
  onScanned?(digest: string, outcome: CatalogueOutcome): Promise<void>;
  /** Called after each run of a scan job that was not aborted by `stop()`, successful or not. */
  onScanFinished?(scan: ScanFinished): void;
  /** How long an idle worker waits before it looks for jobs again, in milliseconds. Default 5000. */
  pollIntervalMs?: number;
  logger?: Logger;
}

/**
 * A bounded pool of workers that run `scan` jobs from the `jobs` table: each catalogues the image
 * from its engine through the layer cache (`catalogueTarget`), records it, and hands it to
 * `onScanned`. A failed job is retried up to three runs, then left `failed`.
 */
export class ScanQueue {
  private readonly log: Logger;
  private controller: AbortController | undefined;
  private workers: Promise<void>[] = [];
  /** Resolvers of idle workers' waits. */
  private readonly waiters = new Set<() => void>();
  /** Set by notify() while no worker waits, so that the next worker to go idle looks again at once. */
  private woken = false;
  private stopping = false;

  constructor(private readonly options: ScanQueueOptions) {
    this.log = options.logger ?? logger('monitor.queue');
  }

  /** Starts the workers. */
  start(): void {
    if (this.controller) return;
    this.controller = new AbortController();
    const count = Math.max(1, this.options.concurrency ?? 2);
    for (let worker = 0; worker < count; worker++) this.workers.push(this.work(this.controller.signal));
  }

  /** Wakes idle workers, so a job queued just now starts without waiting for the poll interval. */
  notify(): void {
    this.woken = true;
    for (const wake of this.waiters) wake();
  }

  /**
   * Stops the workers. Each finishes its current job unless `timeoutMs` passes first. After that
   * the running scans are aborted, and their jobs stay `running` until the next start recovers them.
   */
  async stop(timeoutMs = 30_000): Promise<void> {
    const controller = this.controller;
    if (!controller) return;
    this.stopping = true;
    this.notify();
    const timer = setTimeout(() => controller.abort(new Error('scan queue stopped')), timeoutMs);
    await Promise.allSettled(this.workers);
    clearTimeout(timer);
    this.controller = undefined;
    this.workers = [];
    this.stopping = false;
  }

  /** Runs queued jobs until none is left; for tests and one-shot use. Returns the number run. */
  async drain(): Promise<number> {
    const signal = new AbortController().signal;
    let count = 0;
    while (await this.runOne(signal)) count += 1;
    return count;
  }

  private async work(signal: AbortSignal): Promise<void> {
    while (!this.stopping && !signal.aborted) {
      const ran = await this.runOne(signal).catch((error: unknown) => {
        this.log.error({ error: describeError(error) }, 'scan worker failed; retrying after the poll interval');
        return false;
      });
      if (ran || this.stopping) continue;
      if (this.woken) {
        this.woken = false;
        continue;
      }
      await this.idle();
    }
  }

  private idle(): Promise<void> {
    return new Promise<void>((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.waiters.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, this.options.pollIntervalMs ?? 5000);
      this.waiters.add(wake);
    });
  }

  /** Claims and runs one job. Returns false when none was queued. */
  private async runOne(signal: AbortSignal): Promise<boolean> {
    const job = await claimJob(this.options.store, 'scan');
    if (!job) return false;
    const { payload } = job;
    const fields = { job: job.id, digest: payload.imageId, endpoint: payload.endpoint, attempt: job.attempts };
    const started = performance.now();
    const finished = (ok: boolean) => this.options.onScanFinished?.({ digest: payload.imageId, durationMs: performance.now() - started, ok });

    try {
      const outcome = await this.scan(payload, signal);
      await this.options.onScanned?.(payload.imageId, outcome);
      await finishJob(this.options.store, job.id, 'done', null);
      finished(true);
      this.log.info({ ...fields, cachedLayers: outcome.layers.filter((layer) => layer.cached).length, layers: outcome.layers.length }, 'image scanned');
    } catch (error) {
      // A scan aborted by stop() stays `running`, so that recoverJobs() takes it up at the next start.
      if (signal.aborted) return true;
      const state = job.attempts >= MAX_SCAN_ATTEMPTS ? 'failed' : 'queued';
      await finishJob(this.options.store, job.id, state, describeError(error));
      finished(false);
      this.log.warn({ ...fields, state, error: describeError(error) }, 'image scan failed');
    }
    return true;
  }

  private async scan(payload: ScanJobPayload, signal: AbortSignal): Promise<CatalogueOutcome> {
    const endpoint = this.options.endpoints.find((candidate) => candidate.name === payload.endpoint);
    if (!endpoint) {
      throw new BosunError('monitor.endpoint_missing', `engine endpoint "${payload.endpoint}" of the scan job for ${payload.imageId} is not configured`, {
        hint: 'add the endpoint back to the config, or let the job fail',
      });
    }
    const transport = payload.kind === 'podman' ? 'podman' : 'docker-daemon';
    const host = endpoint.url;
    return catalogueTarget(`${transport}:${payload.imageId}`, {
      store: this.options.store,
      signal,
      open: { engine: { ...(payload.kind === 'podman' ? { podmanHost: host } : { dockerHost: host }), ...(endpoint.tls && { tls: endpoint.tls }) } },
    });
  }
}
