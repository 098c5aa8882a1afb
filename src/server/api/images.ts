import { sql } from 'kysely';
import { z } from 'zod';
import type { Package } from '../../catalog/types.js';
import { listFindings } from '../../monitor/index.js';
import { route } from '../context.js';
import { ApiError, pageFromRows, pageOf, pageQuerySchema } from '../http.js';
import { findingCounts } from './inventory.js';
import { digestParam, findingSchema, listSchema, severityCountsSchema } from './schemas.js';

const imageSummarySchema = z.object({
  digest: z.string().describe('Config digest: the image ID'),
  manifestDigest: z.string().nullable(),
  references: z.array(z.string()),
  os: z.object({ id: z.string(), version: z.string() }).loose().nullable(),
  layers: z.number().int(),
  packages: z.number().int(),
  findings: severityCountsSchema,
  verdict: z.string().nullable(),
  containers: z.number().int().describe('Containers not removed that run the image'),
  firstSeenAt: z.string(),
  scannedAt: z.string(),
});

const imageDetailSchema = imageSummarySchema.extend({
  layers: z.array(z.object({ diffId: z.string(), packages: z.number().int() })),
  packages: z.array(z.object({ name: z.string(), version: z.string(), type: z.string(), purl: z.string(), layer: z.string() }).loose()),
  findingList: z.array(findingSchema),
  trust: z
    .object({ verdict: z.string(), reasons: z.array(z.string()), chain: z.object({}).loose() })
    .nullable()
    .describe('The trust verdict with its reasons and FROM chain; null without a policy'),
});

export const imageRoutes = [
  route({
    method: 'get',
    path: '/api/v1/images',
    summary: 'List scanned images with finding counts and trust verdicts',
    tag: 'images',
    auth: 'api',
    query: pageQuerySchema.extend({ reference: z.string().max(500).optional().describe('Substring of a reference') }).strict(),
    response: { status: 200, description: 'A page of images, newest scan first', schema: listSchema(imageSummarySchema) },
    async handler({ query }, server) {
      const page = pageOf(query);
      let select = server.store.db
        .selectFrom('images')
        .select(['config_digest', 'manifest_digest', 'references', 'os', 'diff_ids', 'packages', 'first_seen_at', 'scanned_at'])
        .select((eb) =>
          eb
            .selectFrom('containers')
            .select(sql<number>`count(*)`.as('count'))
            .whereRef('containers.image_config_digest', '=', 'images.config_digest')
            .where('containers.removed_at', 'is', null)
            .as('containers'),
        );
      if (query.reference !== undefined) {
        const pattern = `%${query.reference.replace(/[\\%_]/g, (char) => `\\${char}`)}%`;
        select = select.where(sql<boolean>`${sql.ref('references')} like ${pattern} escape '\\'`);
      }
      const rows = await select.orderBy('scanned_at', 'desc').orderBy('config_digest').limit(page.limit + 1).offset(page.offset).execute();
      const result = pageFromRows(rows, page);
      const counts = await findingCounts(server.store, result.items.map((row) => row.config_digest));

      const items = [];
      for (const row of result.items) {
        items.push({
          digest: row.config_digest,
          manifestDigest: row.manifest_digest,
          references: JSON.parse(row.references) as string[],
          os: row.os === null ? null : (JSON.parse(row.os) as { id: string; version: string }),
          layers: (JSON.parse(row.diff_ids) as string[]).length,
          packages: (JSON.parse(row.packages) as unknown[]).length,
          findings: counts.get(row.config_digest)!,
          verdict: (await server.verdicts.verdictOf(row.config_digest))?.verdict ?? null,
          containers: Number(row.containers ?? 0),
          firstSeenAt: row.first_seen_at,
          scannedAt: row.scanned_at,
        });
      }
      return { items, next: result.next };
    },
  }),

  route({
    method: 'get',
    path: '/api/v1/images/{digest}',
    summary: 'Show one image: layers, packages, findings, FROM chain and trust verdict',
    tag: 'images',
    auth: 'api',
    params: z.object({ digest: digestParam }),
    response: { status: 200, description: 'The image', schema: imageDetailSchema },
    errors: [404],
    async handler({ params }, server) {
      const row = await server.store.db
        .selectFrom('images')
        .selectAll()
        .where((eb) => eb.or([eb('config_digest', '=', params.digest), eb('manifest_digest', '=', params.digest)]))
        .executeTakeFirst();
      if (row === undefined) throw new ApiError(404, 'not_found', `image ${params.digest} not found; it may not be scanned yet`);

      const packages = JSON.parse(row.packages) as Package[];
      const diffIds = JSON.parse(row.diff_ids) as string[];
      const containers = await server.store.db
        .selectFrom('containers')
        .select(sql<number>`count(*)`.as('count'))
        .where('image_config_digest', '=', row.config_digest)
        .where('removed_at', 'is', null)
        .executeTakeFirst();
      const trust = await server.verdicts.verdictOf(row.config_digest);
      const counts = await findingCounts(server.store, [row.config_digest]);

      return {
        digest: row.config_digest,
        manifestDigest: row.manifest_digest,
        references: JSON.parse(row.references) as string[],
        os: row.os === null ? null : (JSON.parse(row.os) as { id: string; version: string }),
        layers: diffIds.map((diffId) => ({ diffId, packages: packages.filter((pkg) => pkg.layer === diffId).length })),
        packages,
        findings: counts.get(row.config_digest)!,
        findingList: await listFindings(server.store, { image: row.config_digest }),
        verdict: trust?.verdict ?? null,
        trust,
        containers: Number(containers?.count ?? 0),
        firstSeenAt: row.first_seen_at,
        scannedAt: row.scanned_at,
      };
    },
  }),
];
