import { z } from 'zod';
import { NOTICE_KINDS } from '../../notify/index.js';
import { route } from '../context.js';
import { pageFromRows, pageOf, pageQuerySchema } from '../http.js';
import { listSchema } from './schemas.js';

const noticeSchema = z.object({
  id: z.string(),
  kind: z.string(),
  title: z.string(),
  body: z.string(),
  severity: z.string().nullable(),
  endpoint: z.string().nullable(),
  container: z.string().nullable(),
  image: z.object({ reference: z.string().nullable(), digest: z.string().nullable() }),
  advisoryId: z.string().nullable(),
  createdAt: z.string(),
});

const deliverySchema = z.object({
  id: z.number().int(),
  noticeId: z.string(),
  channel: z.string(),
  status: z.enum(['pending', 'sent', 'dead']),
  attempts: z.number().int(),
  lastError: z.string().nullable(),
  nextAttemptAt: z.string().nullable(),
  updatedAt: z.string(),
});

export const noticeRoutes = [
  route({
    method: 'get',
    path: '/api/v1/notices',
    summary: 'List notices, newest first',
    tag: 'notices',
    auth: 'api',
    query: pageQuerySchema
      .extend({
        kind: z.enum(NOTICE_KINDS).optional(),
        endpoint: z.string().max(64).optional(),
        since: z.iso.datetime({ offset: true }).optional().describe('Only notices created at or after this time'),
      })
      .strict(),
    response: { status: 200, description: 'A page of notices', schema: listSchema(noticeSchema) },
    async handler({ query }, server) {
      const page = pageOf(query);
      let select = server.store.db.selectFrom('notices').selectAll();
      if (query.kind !== undefined) select = select.where('kind', '=', query.kind);
      if (query.endpoint !== undefined) select = select.where('endpoint', '=', query.endpoint);
      if (query.since !== undefined) select = select.where('created_at', '>=', new Date(query.since).toISOString());
      const rows = await select.orderBy('created_at', 'desc').orderBy('id').limit(page.limit + 1).offset(page.offset).execute();
      const items = rows.map((row) => ({
        id: row.id,
        kind: row.kind,
        title: row.title,
        body: row.body,
        severity: row.severity,
        endpoint: row.endpoint,
        container: row.container,
        image: { reference: row.image_reference, digest: row.image_config_digest },
        advisoryId: row.advisory_id,
        createdAt: row.created_at,
      }));
      return pageFromRows(items, page);
    },
  }),

  route({
    method: 'get',
    path: '/api/v1/deliveries',
    summary: 'List notice deliveries; status=dead lists the dead letters',
    tag: 'notices',
    auth: 'api',
    query: pageQuerySchema
      .extend({
        status: z.enum(['pending', 'sent', 'dead']).optional(),
        channel: z.string().max(64).optional(),
      })
      .strict(),
    response: { status: 200, description: 'A page of deliveries, most recently updated first', schema: listSchema(deliverySchema) },
    async handler({ query }, server) {
      const page = pageOf(query);
      let select = server.store.db.selectFrom('deliveries').selectAll();
      if (query.status !== undefined) select = select.where('status', '=', query.status);
      if (query.channel !== undefined) select = select.where('channel', '=', query.channel);
      const rows = await select.orderBy('updated_at', 'desc').orderBy('id', 'desc').limit(page.limit + 1).offset(page.offset).execute();
      const items = rows.map((row) => ({
        id: row.id,
        noticeId: row.notice_id,
        channel: row.channel,
        status: row.status,
        attempts: row.attempts,
        lastError: row.last_error,
        nextAttemptAt: row.next_attempt_at,
        updatedAt: row.updated_at,
      }));
      return pageFromRows(items, page);
    },
  }),
];
