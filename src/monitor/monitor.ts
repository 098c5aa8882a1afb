import { sql } from 'kysely';
import { Cron } from 'croner';
import { describeError, InputError } from '../common/errors.js';
import { logger, type Logger } from '../common/log.js';
import type { Channel } from '../notify/index.js';
import { transaction, type Store } from '../store/index.js';
import { Dispatcher } from './dispatch.js';
import { Inventory, type InventoryChange } from './inventory.js';
import { imageUnusedNotices } from './notices.js';
import { enqueueScan, recoverJobs, ScanQueue } from './queue.js';
import { rematchImages } from './rematch.js';
import { releaseMemory } from '../common/memory.js';
import { runSync } from './sync.js';
import type { EndpointState, EndpointStatus, MonitorOptions, MonitorStatus, RematchOutcome, SyncOutcome } from './types.js';
import { refreshVerdicts, type VerdictOutcome } from './verdicts.js';

const DEFAULT_SYNC_SCHEDULE = '0 4 * * *';

/**
 * The monitor service: an inventory per engine endpoint, the scan queue, the advisory sync
 * schedule, re-matching, notices and their delivery. `bosun serve` creates one and calls
 * `start()`; every method is safe to call from API handlers.
 *
 * @example
 * const monitor = new Monitor({ store, endpoints: [defaultEndpoint('docker')], channels, syncSource: '/srv/osv' });
 * await monitor.start();
 * await monitor.syncNow();
 * await monitor.stop();
 */
export class Monitor {
  private readonly store: Store;
  private readonly channels: readonly Channel[];
  private readonly log: Logger;
  private readonly inventories: Inventory[];
  private readonly queue: ScanQueue;
  private readonly dispatcher: Dispatcher;
  private syncCron: Cron | undefined;
  private running = false;
  /** Serialises re-match runs: two runs over one image would race on its findings. */
  private rematchChain: Promise<unknown> = Promise.resolve();
  /** Serialises verdict runs, so that each compares against the verdict the one before stored. */
  private verdictChain: Promise<unknown> = Promise.resolve();
  /** Images re-matched since start; a stored image seen in use for the first time is matched once. */
  private readonly matched = new Set<string>();
  private lastSync: MonitorStatus['lastSync'];
  private lastRematch: RematchOutcome | undefined;
  private readonly abort = new AbortController();

  constructor(private readonly options: MonitorOptions) {
    this.store = options.store;
    this.channels = options.channels ?? [];
    this.log = options.logger ?? logger('monitor');
    checkUniqueNames(options);

    this.inventories = (options.endpoints ?? []).map(
      (endpoint) =>
        new Inventory({
          store: this.store,
          endpoint,
          resyncIntervalMs: options.resyncIntervalMs ?? 300_000,
          onChange: (change) => this.onInventoryChange(change),
          logger: this.log,
        }),
    );
    this.queue = new ScanQueue({
      store: this.store,
      endpoints: options.endpoints ?? [],
      concurrency: options.concurrency ?? 2,
      onScanned: async (digest) => {
        await this.rematch([digest]);
        await this.refreshVerdicts([digest]);
      },
      ...(options.onScanFinished && { onScanFinished: options.onScanFinished }),
      logger: this.log,
    });
    this.dispatcher = new Dispatcher({
      store: this.store,
      channels: this.channels,
      settings: options.delivery ?? {},
      ...(options.digest && { digestSchedule: options.digest.schedule }),
      logger: this.log,
    });
  }

  /**
   * Starts everything. Jobs a killed process left `running` go back in the queue. Then it connects
   * to every endpoint and starts the scan workers, the sync schedule and the delivery loop. The
   * stored images are re-matched once in the background, so findings catch up after downtime.
   */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;

    const recovered = await recoverJobs(this.store);
    if (recovered > 0) this.log.info({ jobs: recovered }, 'jobs left running by an earlier process queued again');

    for (const inventory of this.inventories) await inventory.start();
    this.queue.start();
    this.dispatcher.start();
    this.syncCron = new Cron(this.options.schedule ?? DEFAULT_SYNC_SCHEDULE, { protect: true }, () => {
      this.syncNow().catch((error: unknown) => this.log.error({ error: describeError(error) }, 'scheduled advisory sync failed'));
    });
    void this.rematchAll().catch((error: unknown) => this.log.error({ error: describeError(error) }, 're-match at start failed'));
    this.log.info({ endpoints: this.inventories.length, channels: this.channels.length }, 'monitor started');
  }

  /**
   * Stops cleanly: ends the event streams, the schedules and the delivery loop, and waits up to
   * `stopTimeoutMs` for running scans before aborting them (their jobs resume at the next start).
   */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.syncCron?.stop();
    this.syncCron = undefined;
    await Promise.all(this.inventories.map((inventory) => inventory.stop()));
    await this.queue.stop(this.options.stopTimeoutMs ?? 30_000);
    await this.dispatcher.stop();
    this.abort.abort();
    await this.rematchChain;
    await this.verdictChain;
    this.log.info('monitor stopped');
  }

  /** Syncs advisories from the configured source, then re-matches every stored image. */
  async syncNow(): Promise<SyncOutcome> {
    const startedAt = new Date().toISOString();
    const source = this.options.syncSource;
    try {
      const changedRecords = source === undefined ? 0 : await runSync(this.store, { source, ...(this.options.syncEcosystems && { ecosystems: this.options.syncEcosystems }), signal: this.abort.signal, logger: this.log });
      const rematch = await this.rematchAll();
      this.lastSync = { at: startedAt, ok: true };
      return { source, startedAt, finishedAt: new Date().toISOString(), changedRecords, rematch };
    } catch (error) {
      this.lastSync = { at: startedAt, ok: false, error: describeError(error) };
      throw error;
    }
  }

  /** Re-matches every stored image from its stored packages and sends the resulting notices. */
  rematchAll(): Promise<RematchOutcome> {
    return this.rematch(undefined);
  }

  /**
   * Judges the images that running containers use (all of them, or only `digests`) against the
   * policy at `policyPath`, stores each verdict and creates a `verdict.changed` notice for each
   * change. Without a policy it does nothing. A failure is logged, not thrown, because callers
   * are the scan queue and the inventory, which must go on either way.
   */
  refreshVerdicts(digests?: readonly string[]): Promise<VerdictOutcome | undefined> {
    const policyPath = this.options.policyPath;
    if (policyPath === undefined) return Promise.resolve(undefined);

    const run = this.verdictChain.then(async () => {
      try {
        const outcome = await refreshVerdicts(this.store, {
          policyPath,
          ...(digests && { digests }),
          channels: this.channels.map((channel) => channel.name),
          logger: this.log,
        });
        if (outcome.notices > 0) this.deliverNow();
        return outcome;
      } catch (error) {
        this.log.error({ policy: policyPath, error: describeError(error) }, 'trust verdict run failed');
        return undefined;
      }
    });
    this.verdictChain = run;
    return run;
  }

  /** Sends due deliveries now instead of at the next poll; a no-op in digest mode or when stopped. */
  deliverNow(): void {
    if (this.options.digest === undefined) this.dispatcher.trigger();
  }

  /** Returns endpoint states, queue and delivery counts, and the last sync and re-match. */
  async status(): Promise<MonitorStatus> {
    const db = this.store.db;
    const names = this.inventories.map((inventory) => inventory.endpoint.name);
    const rows = names.length === 0 ? [] : await db.selectFrom('endpoints').selectAll().where('name', 'in', names).execute();
    const counts = names.length === 0 ? [] : await db
      .selectFrom('containers')
      .select(['endpoint', (eb) => eb.fn.countAll<number>().as('count')])
      .where('removed_at', 'is', null)
      .where('endpoint', 'in', names)
      .groupBy('endpoint')
      .execute();
    const jobs = await db.selectFrom('jobs').select(['state', (eb) => eb.fn.countAll<number>().as('count')]).groupBy('state').execute();
    const deliveries = await db.selectFrom('deliveries').select(['status', (eb) => eb.fn.countAll<number>().as('count')]).groupBy('status').execute();

    const countOf = <T extends { count: number | string | bigint }>(list: T[], match: (row: T) => boolean) => Number(list.find(match)?.count ?? 0);
    const endpoints: EndpointStatus[] = this.inventories.map((inventory) => {
      const row = rows.find((candidate) => candidate.name === inventory.endpoint.name);
      return {
        name: inventory.endpoint.name,
        url: inventory.endpoint.url,
        kind: row?.kind ?? inventory.endpoint.kind,
        state: (row?.state ?? 'reconnecting') as EndpointState,
        lastError: row?.last_error ?? null,
        lastSeenAt: row?.last_seen_at ?? null,
        containers: countOf(counts, (count) => count.endpoint === inventory.endpoint.name),
        swarmServices: inventory.swarmServices,
      };
    });
    return {
      running: this.running,
      endpoints,
      jobs: { queued: countOf(jobs, (j) => j.state === 'queued'), running: countOf(jobs, (j) => j.state === 'running'), failed: countOf(jobs, (j) => j.state === 'failed') },
      deliveries: { pending: countOf(deliveries, (d) => d.status === 'pending'), dead: countOf(deliveries, (d) => d.status === 'dead') },
      lastSync: this.lastSync,
      lastRematch: this.lastRematch,
      nextSync: this.syncCron?.nextRun()?.toISOString(),
    };
  }

  private rematch(digests: string[] | undefined): Promise<RematchOutcome> {
    const run = this.rematchChain.then(async () => {
      const outcome = await rematchImages(this.store, {
        ...(digests && { digests }),
        channels: this.channels.map((channel) => channel.name),
        signal: this.abort.signal,
        logger: this.log,
      });
      if (digests === undefined) {
        this.lastRematch = outcome;
        // SQLite's page cache and V8's grown heap both outlive a fleet-wide re-match; return them.
        if (this.store.dialect === 'sqlite') await sql`pragma shrink_memory`.execute(this.store.db);
        releaseMemory();
      }
      for (const digest of digests ?? (await this.storedDigests())) this.matched.add(digest);
      if (outcome.notices > 0) this.deliverNow();
      return outcome;
    });
    this.rematchChain = run.catch(() => undefined);
    return run;
  }

  private async storedDigests(): Promise<string[]> {
    return (await this.store.db.selectFrom('images').select('config_digest').execute()).map((row) => row.config_digest);
  }

  private async onInventoryChange(change: InventoryChange): Promise<void> {
    if (change.kind === 'containers.removed') {
      const channels = this.channels.map((channel) => channel.name);
      const created = await transaction(this.store, (trx) => imageUnusedNotices(trx, change.digests, channels, new Date()));
      if (created > 0) this.deliverNow();
      return;
    }

    let queued = false;
    const stored: string[] = [];
    for (const image of change.images) {
      if (await enqueueScan(this.store, { endpoint: image.endpoint, kind: image.kind, imageId: image.imageId, reference: image.reference })) queued = true;
      else if (!this.matched.has(image.imageId)) stored.push(image.imageId);
    }
    if (queued) this.queue.notify();
    // An image catalogued before (by `bosun scan`, or before a restart) gets no scan job. It is
    // matched once here, so a container that starts using it gets its findings and notices.
    if (stored.length > 0) await this.rematch(stored);
    // A resync reports every image in use, so an edited policy shows in the verdicts by then.
    await this.refreshVerdicts(change.images.map((image) => image.imageId));
  }
}

function checkUniqueNames(options: MonitorOptions): void {
  const endpoints = (options.endpoints ?? []).map((endpoint) => endpoint.name);
  const channels = (options.channels ?? []).map((channel) => channel.name);
  for (const [what, names] of [['endpoint', endpoints], ['channel', channels]] as const) {
    const duplicate = names.find((name, index) => names.indexOf(name) !== index);
    if (duplicate !== undefined) throw new InputError(`duplicate ${what} name "${duplicate}"`, { hint: `give every ${what} its own name` });
  }
}
