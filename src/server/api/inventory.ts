import { sql } from 'kysely';
import { z } from 'zod';
import { listFindings } from '../../monitor/index.js';
import type { Store } from '../../store/index.js';
import { route, type ServerContext } from '../context.js';
import { ApiError, pageFromRows, pageOf, pageQuerySchema, queryBoolean } from '../http.js';
import { listSchema, severityCountsSchema } from './schemas.js';

/** Counts of open, not ignored findings by severity, plus their total. */
export type SeverityCounts = z.infer<typeof severityCountsSchema>;

/**
 * Counts the open findings of each image by severity, with ignore rules applied, so the counts
 * match what `GET /api/v1/findings` lists.
 */
export async function findingCounts(store: Store, digests: Iterable<string>): Promise<Map<string, SeverityCounts>> {
  const counts = new Map<string, SeverityCounts>();
  for (const digest of new Set(digests)) {
    const total: SeverityCounts = { critical: 0, high: 0, medium: 0, low: 0, none: 0, unknown: 0, total: 0 };
    for (const finding of await listFindings(store, { image: digest })) {
      const key = (finding.severity in total ? finding.severity : 'unknown') as keyof SeverityCounts;
      total[key] += 1;
      total.total += 1;
    }
    counts.set(digest, total);
  }
  return counts;
}

const endpointSchema = z.object({
  name: z.string(),
  url: z.string(),
  kind: z.string(),
  state: z.enum(['connected', 'reconnecting', 'error']),
  lastError: z.string().nullable(),
  lastSeenAt: z.string().nullable(),
  updatedAt: z.string(),
  containers: z.number().int(),
});

const containerSchema = z.object({
  endpoint: z.string(),
  id: z.string(),
  name: z.string(),
  state: z.string(),
  image: z.object({ reference: z.string(), digest: z.string().nullable(), manifestDigest: z.string().nullable() }),
  compose: z.object({ project: z.string(), service: z.string().nullable() }).nullable(),
  swarmService: z.string().nullable(),
  verdict: z.string().nullable(),
  findings: severityCountsSchema.nullable(),
  firstSeenAt: z.string(),
  lastSeenAt: z.string(),
  removedAt: z.string().nullable(),
});

type ContainerRow = {
  endpoint: string;
  id: string;
  name: string;
  state: string;
  image_reference: string;
  image_config_digest: string | null;
  image_manifest_digest: string | null;
  compose_project: string | null;
  compose_service: string | null;
  swarm_service: string | null;
  labels: string;
  first_seen_at: string;
  last_seen_at: string;
  removed_at: string | null;
};

async function containerViews(server: ServerContext, rows: ContainerRow[]): Promise<Array<z.infer<typeof containerSchema>>> {
  const digests = rows.map((row) => row.image_config_digest).filter((digest): digest is string => digest !== null);
  const counts = await findingCounts(server.store, digests);
  const views: Array<z.infer<typeof containerSchema>> = [];
  for (const row of rows) {
    const digest = row.image_config_digest;
    const scanned = digest !== null && (await server.store.db.selectFrom('images').select('config_digest').where('config_digest', '=', digest).executeTakeFirst()) !== undefined;
    views.push({
      endpoint: row.endpoint,
      id: row.id,
      name: row.name,
      state: row.state,
      image: { reference: row.image_reference, digest, manifestDigest: row.image_manifest_digest },
      compose: row.compose_project === null ? null : { project: row.compose_project, service: row.compose_service },
      swarmService: row.swarm_service,
      verdict: digest === null ? null : ((await server.verdicts.verdictOf(digest))?.verdict ?? null),
      // Null until the image is scanned, so "no findings" is never shown for an unscanned image.
      findings: scanned ? (counts.get(digest) ?? null) : null,
      firstSeenAt: row.first_seen_at,
      lastSeenAt: row.last_seen_at,
      removedAt: row.removed_at,
    });
  }
  return views;
}

export const inventoryRoutes = [
  route({
    method: 'get',
    path: '/api/v1/endpoints',
    summary: 'List engine endpoints with their connection state and last error',
    tag: 'inventory',
    auth: 'api',
    query: pageQuerySchema.strict(),
    response: { status: 200, description: 'A page of endpoints', schema: listSchema(endpointSchema) },
    async handler({ query }, server) {
      const page = pageOf(query);
      const rows = await server.store.db
        .selectFrom('endpoints')
        .selectAll('endpoints')
        .select((eb) =>
          eb
            .selectFrom('containers')
            .select(sql<number>`count(*)`.as('count'))
            .whereRef('containers.endpoint', '=', 'endpoints.name')
            .where('containers.removed_at', 'is', null)
            .as('containers'),
        )
        .orderBy('name')
        .limit(page.limit + 1)
        .offset(page.offset)
        .execute();
      const items = rows.map((row) => ({
        name: row.name,
        url: row.url,
        kind: row.kind,
        state: row.state,
        lastError: row.last_error,
        lastSeenAt: row.last_seen_at,
        updatedAt: row.updated_at,
        containers: Number(row.containers ?? 0),
      }));
      return pageFromRows(items, page);
    },
  }),

  route({
    method: 'get',
    path: '/api/v1/containers',
    summary: 'List containers with image, trust verdict and finding counts',
    tag: 'inventory',
    auth: 'api',
    query: pageQuerySchema
      .extend({
        endpoint: z.string().max(64).optional(),
        state: z.string().max(32).optional(),
        image: z.string().max(200).optional(),
        includeRemoved: queryBoolean.optional(),
      })
      .strict(),
    response: { status: 200, description: 'A page of containers, by endpoint and name', schema: listSchema(containerSchema) },
    async handler({ query }, server) {
      const page = pageOf(query);
      let select = server.store.db.selectFrom('containers').selectAll();
      if (!query.includeRemoved) select = select.where('removed_at', 'is', null);
      if (query.endpoint !== undefined) select = select.where('endpoint', '=', query.endpoint);
      if (query.state !== undefined) select = select.where('state', '=', query.state);
      if (query.image !== undefined) select = select.where('image_config_digest', '=', query.image);
      const rows = await select.orderBy('endpoint').orderBy('name').orderBy('id').limit(page.limit + 1).offset(page.offset).execute();
      const result = pageFromRows(rows, page);
      return { items: await containerViews(server, result.items), next: result.next };
    },
  }),

  route({
    method: 'get',
    path: '/api/v1/containers/{endpoint}/{id}',
    summary: 'Show one container with its labels, findings and trust verdict',
    tag: 'inventory',
    auth: 'api',
    params: z.object({ endpoint: z.string().min(1).max(64), id: z.string().min(1).max(128) }),
    response: { status: 200, description: 'The container' },
    errors: [404],
    async handler({ params }, server) {
      const row = await server.store.db
        .selectFrom('containers')
        .selectAll()
        .where('endpoint', '=', params.endpoint)
        .where((eb) => eb.or([eb('id', '=', params.id), eb('name', '=', params.id)]))
        .orderBy('removed_at', 'desc')
        .executeTakeFirst();
      if (row === undefined) throw new ApiError(404, 'not_found', `container ${params.id} not found on endpoint ${params.endpoint}`);

      const [view] = await containerViews(server, [row]);
      const digest = row.image_config_digest;
      return {
        ...view,
        labels: JSON.parse(row.labels) as Record<string, string>,
        trust: digest === null ? null : await server.verdicts.verdictOf(digest),
        findingList: digest === null ? [] : await listFindings(server.store, { image: digest }),
      };
    },
  }),
];
