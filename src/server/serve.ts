import { lockDataDir, type DataDirLock } from './lock.js';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import { InputError, describeError } from '../common/errors.js';
import { logger } from '../common/log.js';
import { formatListen, isLoopbackListen, type BosunConfig } from '../config/index.js';
import { Monitor } from '../monitor/index.js';
import type { MonitorOptions, RematchOutcome, SyncOutcome } from '../monitor/types.js';
import { openStore, type Store } from '../store/index.js';
import { createApp } from './app.js';
import type { ServerContext } from './context.js';
import { Metrics } from './metrics.js';
import { ensureInitialTokens, type InitialTokens } from './tokens.js';
import { noVerdicts, policyVerdicts } from './verdicts.js';

const log = logger('server');

/** A monitor that records sync and re-match durations, scheduled runs included. */
class MeasuredMonitor extends Monitor {
  constructor(
    options: MonitorOptions,
    private readonly metrics: Metrics,
  ) {
    super(options);
  }

  override async syncNow(): Promise<SyncOutcome> {
    const started = performance.now();
    try {
      return await super.syncNow();
    } finally {
      this.metrics.syncDuration.observe((performance.now() - started) / 1000);
    }
  }

  override async rematchAll(): Promise<RematchOutcome> {
    const outcome = await super.rematchAll();
    this.metrics.rematchDuration.observe(outcome.durationMs / 1000);
    return outcome;
  }
}

export interface StartServerOptions {
  config: BosunConfig;
  /** Allows a listen address other than loopback; without it such an address is rejected. */
  allowRemote?: boolean;
  /** Stream for the first-start tokens and warnings, apart from the JSON log. Default stderr. */
  console?: NodeJS.WritableStream;
  /** Runs without the monitor: the API serves the store only. */
  withoutMonitor?: boolean;
}

/** A started service. */
export interface RunningServer {
  /** Base URL of the API as a client on this host reaches it: `http://127.0.0.1:8780`. */
  url: string;
  store: Store;
  monitor: Monitor | undefined;
  /**
   * Stops the service: stops accepting connections, ends open ones after `graceMs`, stops the
   * monitor (which waits for running scans) and closes the store. Safe to call more than once.
   */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Starts `bosun serve`: opens the store, prepares the tokens, starts the monitor and listens.
 *
 * @throws InputError for a non-loopback address without `allowRemote`, or when the port is taken.
 */
export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  const { config } = options;
  const out = options.console ?? process.stderr;
  checkListen(config, options.allowRemote === true, out);

  // PostgreSQL installs may run several services on purpose; one SQLite file gets one service.
  const lock = config.databaseUrl === undefined ? lockDataDir(config.dataDir) : undefined;
  let store: Store;
  try {
    store = await openStore({ dataDir: config.dataDir, databaseUrl: config.databaseUrl });
  } catch (error) {
    lock?.release();
    throw error;
  }
  const metrics = new Metrics();
  let monitor: MeasuredMonitor | undefined;
  let http: Server | undefined;
  try {
    monitor = options.withoutMonitor ? undefined : new MeasuredMonitor(monitorOptions(config, store, metrics), metrics);

    const context: ServerContext = {
      store,
      monitor,
      verdicts: config.policy === undefined ? noVerdicts : policyVerdicts(store, config.policy, log),
      metrics,
      publicUrl: '',
      startedAt: new Date(),
      log,
    };
    http = createAdaptorServer({ fetch: createApp(context).fetch }) as Server;
    const address = await listen(http, config);
    context.publicUrl = `http://${formatListen({ host: clientHost(address.address), port: address.port })}`;
    // Created only once the port is ours: a start that fails to listen must not store first-start
    // tokens that it never prints.
    const tokens = await ensureInitialTokens(store, config.token);

    await monitor?.start();
    printFirstStart(out, context.publicUrl, tokens, config);
    log.info({ url: context.publicUrl, dataDir: config.dataDir, engines: config.engines.map((engine) => engine.name), channels: config.channels.length }, 'bosun serve started');
    return running(context.publicUrl, store, monitor, http, lock);
  } catch (error) {
    http?.close();
    await monitor?.stop().catch(() => undefined);
    await store.close();
    lock?.release();
    throw error;
  }
}

function checkListen(config: BosunConfig, allowRemote: boolean, out: NodeJS.WritableStream): void {
  if (isLoopbackListen(config.listen)) return;
  const address = formatListen(config.listen);
  if (!allowRemote) {
    throw new InputError(`listen address ${address} is reachable from other hosts`, {
      hint: 'pass --allow-remote to accept it, and put a TLS reverse proxy in front: the API token travels in clear over plain HTTP',
    });
  }
  out.write(`bosun: warning: listening on ${address}, reachable from other hosts; put a TLS reverse proxy in front\n`);
  log.warn({ listen: address }, 'listening on a non-loopback address');
}

function monitorOptions(config: BosunConfig, store: Store, metrics: Metrics): MonitorOptions {
  return {
    store,
    endpoints: config.engines,
    channels: config.channels,
    schedule: config.sync.schedule,
    concurrency: config.concurrency,
    syncSource: config.sync.source,
    resyncIntervalMs: config.resyncIntervalMs,
    ...(config.digest && { digest: config.digest }),
    ...(config.policy !== undefined && { policyPath: config.policy }),
    onScanFinished: (scan) => metrics.scanDuration.observe(scan.durationMs / 1000),
    logger: logger('monitor'),
  };
}

function listen(http: Server, config: BosunConfig): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      const address = formatListen(config.listen);
      const hint = error.code === 'EADDRINUSE' ? 'another process uses that port; pick another with --listen' : 'check the listen address';
      reject(new InputError(`cannot listen on ${address}: ${describeError(error)}`, { hint, cause: error }));
    };
    http.once('error', onError);
    http.listen(config.listen.port, config.listen.host, () => {
      http.off('error', onError);
      resolve(http.address() as AddressInfo);
    });
  });
}

/** Returns the host a local client connects to, which is loopback for a wildcard address. */
function clientHost(address: string): string {
  if (address === '0.0.0.0') return '127.0.0.1';
  if (address === '::') return '::1';
  return address;
}

/** Writes new tokens once, as plain text on the console stream and never into the JSON log. */
function printFirstStart(out: NodeJS.WritableStream, url: string, tokens: InitialTokens, config: BosunConfig): void {
  if (tokens.api !== undefined) {
    out.write(`\nbosun: created API token ${tokens.api.id}; it is shown only this once:\n\n    ${tokens.api.token}\n\n`);
    out.write(`Use it as: curl -H "Authorization: Bearer TOKEN" ${url}/api/v1/status\n`);
  }
  if (tokens.envTokenStored) out.write('bosun: stored BOSUN_TOKEN as an API token\n');
  if (tokens.feed === undefined) return;

  out.write(`\nbosun: created feed token ${tokens.feed.id}. Feed URLs (keep them private, they carry the token):\n`);
  out.write(`    ${url}/feed.atom?token=${tokens.feed.token}\n`);
  for (const engine of config.engines) {
    out.write(`    ${url}/feed/endpoint/${encodeURIComponent(engine.name)}.atom?token=${tokens.feed.token}\n`);
  }
  out.write('\n');
}

function running(url: string, store: Store, monitor: Monitor | undefined, http: Server, lock: DataDirLock | undefined): RunningServer {
  let stopping: Promise<void> | undefined;
  const stop = async (graceMs: number): Promise<void> => {
    log.info('bosun serve stopping');
    const closed = new Promise<void>((resolve) => http.close(() => resolve()));
    http.closeIdleConnections();
    const timer = setTimeout(() => http.closeAllConnections(), graceMs);
    await closed;
    clearTimeout(timer);

    try {
      await monitor?.stop();
    } finally {
      await store.close();
      lock?.release();
    }
    log.info('bosun serve stopped');
  };
  return {
    url,
    store,
    monitor,
    stop: (graceMs = 5000) => (stopping ??= stop(graceMs)),
  };
}
