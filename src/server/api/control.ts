import { z } from 'zod';
import { describeError } from '../../common/errors.js';
import { bosunVersion } from '../../common/version.js';
import { route, type ServerContext } from '../context.js';
import { ApiError } from '../http.js';

/** Syncs started through the API that are still running, per server. */
const runningSyncs = new WeakMap<ServerContext, Promise<void>>();

/**
 * Starts an advisory sync in the background and records its duration. Returns false when a
 * sync started through the API is still running.
 */
export function startSync(server: ServerContext): boolean {
  const monitor = server.monitor;
  if (monitor === undefined) throw new ApiError(503, 'monitor_unavailable', 'the monitor is not running in this process');
  if (runningSyncs.has(server)) return false;

  const started = performance.now();
  const run = monitor
    .syncNow()
    .then(() => server.log.info({ durationMs: Math.round(performance.now() - started) }, 'advisory sync requested through the API finished'))
    .catch((error: unknown) => server.log.error({ err: describeError(error) }, 'advisory sync requested through the API failed'))
    .finally(() => {
      server.metrics.syncDuration.observe((performance.now() - started) / 1000);
      runningSyncs.delete(server);
    });
  runningSyncs.set(server, run);
  return true;
}

const statusSchema = z.object({
  version: z.string(),
  startedAt: z.string(),
  uptimeSeconds: z.number(),
  store: z.object({ dialect: z.string() }),
  monitor: z.object({}).loose().nullable().describe('Endpoints, queue, deliveries and the last sync; null without a monitor'),
  counts: z.object({ containers: z.number().int(), images: z.number().int(), advisories: z.number().int(), notices: z.number().int() }),
});

export const controlRoutes = [
  route({
    method: 'post',
    path: '/api/v1/sync',
    summary: 'Start an advisory sync and re-match in the background',
    tag: 'control',
    auth: 'api',
    body: z.object({}).strict().optional(),
    response: { status: 202, description: 'The sync started', schema: z.object({ started: z.literal(true) }) },
    errors: [409, 503],
    async handler(_input, server) {
      if (!startSync(server)) throw new ApiError(409, 'sync_running', 'an advisory sync started through the API is still running');
      return { started: true };
    },
  }),

  route({
    method: 'get',
    path: '/api/v1/status',
    summary: 'Show the version, uptime, monitor state and row counts',
    tag: 'control',
    auth: 'api',
    response: { status: 200, description: 'The service status', schema: statusSchema },
    async handler(_input, server) {
      const count = async (table: 'images' | 'advisories' | 'notices') =>
        Number((await server.store.db.selectFrom(table).select((eb) => eb.fn.countAll().as('count')).executeTakeFirst())?.count ?? 0);
      const containers = await server.store.db
        .selectFrom('containers')
        .select((eb) => eb.fn.countAll().as('count'))
        .where('removed_at', 'is', null)
        .executeTakeFirst();
      return {
        version: bosunVersion,
        startedAt: server.startedAt.toISOString(),
        uptimeSeconds: Math.round((Date.now() - server.startedAt.getTime()) / 1000),
        store: { dialect: server.store.dialect },
        monitor: server.monitor === undefined ? null : await server.monitor.status(),
        counts: {
          containers: Number(containers?.count ?? 0),
          images: await count('images'),
          advisories: await count('advisories'),
          notices: await count('notices'),
        },
      };
    },
  }),
];
