import type { Logger } from '../common/log.js';
import type { EngineEndpoint } from '../engine/index.js';
import type { Channel } from '../notify/index.js';
import type { Store } from '../store/index.js';
import type { ScanFinished } from './queue.js';

/** Connection state of an engine endpoint, as stored in `endpoints.state`. */
export type EndpointState = 'connected' | 'reconnecting' | 'error';

/** Delivery settings for the dispatch loop. */
export interface DeliverySettings {
  /** Tries within one run, passed to `deliver()`. Default 3. */
  attempts: number;
  /** Backoff before the second try of a run, in milliseconds. Default 2000. */
  baseDelayMs: number;
  /** Runs before a delivery is marked `dead`. Default 5. */
  maxRuns: number;
  /** Wait before the second run, in milliseconds; it doubles for each further run, up to one hour. Default 60 000. */
  retryAfterMs: number;
  /** How often the loop looks for due deliveries, in milliseconds. Default 30 000. */
  pollIntervalMs: number;
}

/** Settings of a `Monitor`. Only `store` is required. */
export interface MonitorOptions {
  store: Store;
  /** Engines to watch, Docker and Podman alike. Names must be unique. */
  endpoints?: EngineEndpoint[];
  /** Notification channels, from `createChannel()`. */
  channels?: Channel[];
  /** Cron expression (croner syntax) of the advisory sync. Default `0 4 * * *`, daily at 04:00. */
  schedule?: string;
  /** Scan jobs run at the same time. Default 2. */
  concurrency?: number;
  /**
   * Advisory source: an `http(s)://` base URL serving `<Ecosystem>/all.zip` (passed
   * to `updateAdvisories`), or a local directory or zip (passed to `importAdvisories`). Without
   * it the scheduled sync only re-matches.
   */
  syncSource?: string;
  /** Ecosystems to update from a URL source. Default: those of the stored images. */
  syncEcosystems?: string[];
  /** Interval of the full inventory resync that repairs missed events, in milliseconds. Default 300 000. */
  resyncIntervalMs?: number;
  /** When set, notices are sent as one digest per channel on this cron schedule instead of one by one. */
  digest?: { schedule: string };
  delivery?: Partial<DeliverySettings>;
  /**
   * Trust policy file. When set, the monitor stores the verdict on every image a running container
   * uses, after each scan and each inventory change, and notices when it changes.
   */
  policyPath?: string;
  /** Called after each scan job run, with its duration; `bosun serve` records it as a metric. */
  onScanFinished?(scan: ScanFinished): void;
  /** Time a clean `stop()` waits for running jobs, in milliseconds. Default 30 000. */
  stopTimeoutMs?: number;
  logger?: Logger;
}

/** The outcome of one advisory sync. */
export interface SyncOutcome {
  source: string | undefined;
  startedAt: string;
  finishedAt: string;
  /** Records new or updated in the store. */
  changedRecords: number;
  rematch: RematchOutcome;
}

/** The outcome of one re-match run. */
export interface RematchOutcome {
  images: number;
  /** Findings inserted (or reopened after being resolved). */
  added: number;
  /** Findings whose state, fix, severity or reason changed. */
  changed: number;
  /** Findings no longer matched, now carrying `resolved_at`. */
  resolved: number;
  /** Notices created by this run; an already stored notice does not count. */
  notices: number;
  durationMs: number;
}

/** One endpoint in `Monitor.status()`. */
export interface EndpointStatus {
  name: string;
  url: string;
  kind: string;
  state: EndpointState;
  lastError: string | null;
  lastSeenAt: string | null;
  /** Containers not removed. */
  containers: number;
  /** Swarm services seen at the last resync; 0 when the node is not a manager. */
  swarmServices: number;
}

/** Status report of `Monitor.status()`. */
export interface MonitorStatus {
  running: boolean;
  endpoints: EndpointStatus[];
  jobs: { queued: number; running: number; failed: number };
  deliveries: { pending: number; dead: number };
  lastSync: { at: string; ok: boolean; error?: string } | undefined;
  lastRematch: RematchOutcome | undefined;
  /** Next scheduled advisory sync, ISO 8601, or undefined when stopped. */
  nextSync: string | undefined;
}
