import { sql } from 'kysely';
import type { MonitorStatus } from '../monitor/types.js';
import type { Store } from '../store/index.js';
import { Histogram, writeExposition, type MetricFamily } from './exposition.js';
import type { VerdictSource } from './verdicts.js';

const SEVERITIES = ['critical', 'high', 'medium', 'low', 'none', 'unknown'];
const DURATION_BUCKETS = [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800];

/** Process-wide metrics that are observed as things happen, rather than read from the store. */
export class Metrics {
  readonly scanDuration = new Histogram('bosun_scan_duration_seconds', 'Time from taking a scan job to finishing it.', DURATION_BUCKETS);
  readonly syncDuration = new Histogram('bosun_sync_duration_seconds', 'Duration of advisory syncs, download, import and re-match included.', DURATION_BUCKETS);
  readonly rematchDuration = new Histogram('bosun_rematch_duration_seconds', 'Duration of re-matching stored images against the advisories.', DURATION_BUCKETS);
}

export interface CollectInput {
  store: Store;
  metrics: Metrics;
  verdicts: VerdictSource;
  monitor: MonitorStatus | undefined;
  startedAt: Date;
}

/** Reads the store and the monitor and writes every metric in the Prometheus text format. */
export async function collectMetrics(input: CollectInput): Promise<string> {
  const families: MetricFamily[] = [
    await containersByVerdict(input.store, input.verdicts),
    await findingsBySeverity(input.store),
    await deliveries(input.store),
    await notificationFailures(input.store),
    await jobs(input.store),
    await endpoints(input.store),
    input.metrics.scanDuration.family(),
    input.metrics.syncDuration.family(),
    input.metrics.rematchDuration.family(),
    ...monitorFamilies(input.monitor),
    ...processFamilies(input.startedAt),
  ];
  return writeExposition(families);
}

async function containersByVerdict(store: Store, verdicts: VerdictSource): Promise<MetricFamily> {
  const rows = await store.db
    .selectFrom('containers')
    .select(['image_config_digest', sql<number>`count(*)`.as('count')])
    .where('removed_at', 'is', null)
    .groupBy('image_config_digest')
    .execute();

  const counts = new Map<string, number>([['trusted', 0], ['unaudited', 0], ['untrusted', 0], ['blocked', 0], ['unknown', 0]]);
  for (const row of rows) {
    const verdict = row.image_config_digest === null ? null : await verdicts.verdictOf(row.image_config_digest);
    const key = verdict?.verdict ?? 'unknown';
    counts.set(key, (counts.get(key) ?? 0) + Number(row.count));
  }
  return {
    name: 'bosun_containers',
    help: 'Containers not removed, by the trust verdict on their image; unknown without a policy or before the image is scanned.',
    type: 'gauge',
    samples: [...counts].map(([verdict, value]) => ({ labels: { verdict }, value })),
  };
}

async function findingsBySeverity(store: Store): Promise<MetricFamily> {
  const rows = await store.db
    .selectFrom('findings')
    .select(['severity', sql<number>`count(*)`.as('count')])
    .where('resolved_at', 'is', null)
    .groupBy('severity')
    .execute();
  const counts = new Map(SEVERITIES.map((severity) => [severity, 0]));
  for (const row of rows) counts.set(row.severity, (counts.get(row.severity) ?? 0) + Number(row.count));
  return {
    name: 'bosun_findings',
    help: 'Open findings over all stored images, by severity; ignore rules are not applied.',
    type: 'gauge',
    samples: [...counts].map(([severity, value]) => ({ labels: { severity }, value })),
  };
}

async function deliveries(store: Store): Promise<MetricFamily> {
  const rows = await store.db.selectFrom('deliveries').select(['status', sql<number>`count(*)`.as('count')]).groupBy('status').execute();
  const counts = new Map([['pending', 0], ['sent', 0], ['dead', 0]]);
  for (const row of rows) counts.set(row.status, Number(row.count));
  return {
    name: 'bosun_deliveries',
    help: 'Notification deliveries by status; dead deliveries gave up after every retry.',
    type: 'gauge',
    samples: [...counts].map(([status, value]) => ({ labels: { status }, value })),
  };
}

async function notificationFailures(store: Store): Promise<MetricFamily> {
  // Every attempt of a dead delivery failed; a sent one failed all attempts but the last.
  const rows = await store.db
    .selectFrom('deliveries')
    .select(['channel', sql<number>`sum(case when status = 'sent' then attempts - 1 else attempts end)`.as('failures')])
    .groupBy('channel')
    .orderBy('channel')
    .execute();
  return {
    name: 'bosun_notification_failures',
    help: 'Failed attempts to send notices, by channel, over the deliveries stored.',
    type: 'gauge',
    samples: rows.map((row) => ({ labels: { channel: row.channel }, value: Math.max(0, Number(row.failures ?? 0)) })),
  };
}

async function jobs(store: Store): Promise<MetricFamily> {
  const rows = await store.db
    .selectFrom('jobs')
    .select(['kind', 'state', sql<number>`count(*)`.as('count')])
    .groupBy(['kind', 'state'])
    .orderBy('kind')
    .orderBy('state')
    .execute();
  return {
    name: 'bosun_jobs',
    help: 'Jobs in the durable queue, by kind and state.',
    type: 'gauge',
    samples: rows.map((row) => ({ labels: { kind: row.kind, state: row.state }, value: Number(row.count) })),
  };
}

async function endpoints(store: Store): Promise<MetricFamily> {
  const rows = await store.db.selectFrom('endpoints').select(['name', 'state']).orderBy('name').execute();
  return {
    name: 'bosun_endpoint_up',
    help: '1 when Bosun is connected to the engine endpoint, 0 while it reconnects or after an error.',
    type: 'gauge',
    samples: rows.map((row) => ({ labels: { endpoint: row.name }, value: row.state === 'connected' ? 1 : 0 })),
  };
}

function monitorFamilies(status: MonitorStatus | undefined): MetricFamily[] {
  if (status === undefined) return [];
  const lastSync = status.lastSync;
  return [
    { name: 'bosun_monitor_running', help: '1 while the monitor runs.', type: 'gauge', samples: [{ value: status.running ? 1 : 0 }] },
    {
      name: 'bosun_last_sync_timestamp_seconds',
      help: 'Unix time of the last advisory sync, by outcome.',
      type: 'gauge',
      samples: lastSync === undefined ? [] : [{ labels: { ok: String(lastSync.ok) }, value: Date.parse(lastSync.at) / 1000 }],
    },
  ];
}

function processFamilies(startedAt: Date): MetricFamily[] {
  return [
    { name: 'bosun_process_start_time_seconds', help: 'Unix time the process started.', type: 'gauge', samples: [{ value: Math.floor(startedAt.getTime() / 1000) }] },
    { name: 'bosun_process_resident_memory_bytes', help: 'Resident set size of the process.', type: 'gauge', samples: [{ value: process.memoryUsage.rss() }] },
  ];
}
