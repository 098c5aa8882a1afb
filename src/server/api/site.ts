import { z } from 'zod';
import { atomFeed, noticeSchema, type Notice } from '../../notify/index.js';
import type { Store } from '../../store/index.js';
import { route } from '../context.js';
import { EXPOSITION_CONTENT_TYPE } from '../exposition.js';
import { collectMetrics } from '../metrics.js';
import { indexPage } from '../page.js';
import { ApiError } from '../http.js';

/** Notices in a feed: the newest, so a feed stays small whatever the history. */
const FEED_ENTRIES = 200;

const feedQuerySchema = z.object({ token: z.string().min(1).max(200) }).strict();

/**
 * Reads the newest notices, optionally of one endpoint, for a feed. A stored payload that no
 * longer parses is rebuilt from the columns, so one bad row cannot break the feed.
 */
async function feedNotices(store: Store, endpoint: string | undefined): Promise<Notice[]> {
  let select = store.db.selectFrom('notices').selectAll();
  if (endpoint !== undefined) select = select.where('endpoint', '=', endpoint);
  const rows = await select.orderBy('created_at', 'desc').limit(FEED_ENTRIES).execute();
  return rows.map((row) => {
    const parsed = noticeSchema.safeParse(JSON.parse(row.payload));
    if (parsed.success) return parsed.data;
    return {
      id: row.id,
      kind: 'test',
      title: row.title,
      body: row.body,
      createdAt: new Date(row.created_at),
    } satisfies Notice;
  });
}

function atomResponse(xml: string): Response {
  return new Response(xml, { status: 200, headers: { 'content-type': 'application/atom+xml; charset=utf-8', 'cache-control': 'no-store' } });
}

export const siteRoutes = [
  route({
    method: 'get',
    path: '/',
    summary: 'A short HTML page naming the API and feed paths; it shows no data',
    tag: 'site',
    auth: 'none',
    response: { status: 200, description: 'The page', contentType: 'text/html' },
    async handler(_input, _server, c) {
      return c.html(indexPage());
    },
  }),

  route({
    method: 'get',
    path: '/healthz',
    summary: 'Liveness: ok while the process serves requests',
    tag: 'site',
    auth: 'none',
    response: { status: 200, description: 'ok', contentType: 'text/plain' },
    async handler(_input, _server, c) {
      return c.text('ok');
    },
  }),

  route({
    method: 'get',
    path: '/metrics',
    summary: 'Metrics in the Prometheus text format; needs an api or metrics token',
    tag: 'site',
    auth: 'metrics',
    response: { status: 200, description: 'Metrics', contentType: EXPOSITION_CONTENT_TYPE },
    async handler(_input, server) {
      const text = await collectMetrics({
        store: server.store,
        metrics: server.metrics,
        verdicts: server.verdicts,
        monitor: server.monitor === undefined ? undefined : await server.monitor.status(),
        startedAt: server.startedAt,
      });
      return new Response(text, { status: 200, headers: { 'content-type': EXPOSITION_CONTENT_TYPE } });
    },
  }),

  route({
    method: 'get',
    path: '/feed.atom',
    summary: 'Atom feed of all notices; needs a feed:all token in the token query parameter',
    tag: 'feeds',
    auth: 'feed',
    query: feedQuerySchema,
    response: { status: 200, description: 'Atom 1.0 feed', contentType: 'application/atom+xml' },
    async handler(_input, server) {
      return atomResponse(
        atomFeed({
          title: 'Bosun notices',
          selfUrl: `${server.publicUrl}/feed.atom`,
          id: 'urn:bosun:feed:all',
          notices: await feedNotices(server.store, undefined),
        }),
      );
    },
  }),

  route({
    method: 'get',
    path: '/feed/endpoint/{name}.atom',
    honoPath: '/feed/endpoint/:name{[^/]+\\.atom}',
    summary: 'Atom feed of the notices about one engine endpoint; needs a feed:endpoint:NAME or feed:all token',
    tag: 'feeds',
    auth: 'feed',
    query: feedQuerySchema,
    params: z.object({ name: z.string().regex(/^[A-Za-z0-9][-_.A-Za-z0-9]{0,63}$/, 'expected an endpoint name') }),
    response: { status: 200, description: 'Atom 1.0 feed', contentType: 'application/atom+xml' },
    errors: [404],
    async handler({ params }, server) {
      const known = await server.store.db.selectFrom('endpoints').select('name').where('name', '=', params.name).executeTakeFirst();
      if (known === undefined) throw new ApiError(404, 'not_found', `endpoint ${params.name} not found`);
      return atomResponse(
        atomFeed({
          title: `Bosun notices for ${params.name}`,
          selfUrl: `${server.publicUrl}/feed/endpoint/${encodeURIComponent(params.name)}.atom`,
          id: `urn:bosun:feed:endpoint:${encodeURIComponent(params.name)}`,
          notices: await feedNotices(server.store, params.name),
        }),
      );
    },
  }),
];
