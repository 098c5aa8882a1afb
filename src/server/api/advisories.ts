import { sql } from 'kysely';
import { z } from 'zod';
import { route } from '../context.js';
import { ApiError, pageFromRows, pageOf, pageQuerySchema } from '../http.js';
import { listSchema, SEVERITY_VALUES } from './schemas.js';

const advisorySummarySchema = z.object({
  id: z.string(),
  summary: z.string().nullable(),
  aliases: z.array(z.string()),
  severity: z.string(),
  score: z.number().nullable(),
  modified: z.string(),
  published: z.string().nullable(),
  withdrawn: z.string().nullable(),
});

const advisoryDetailSchema = advisorySummarySchema.extend({
  source: z.string(),
  importedAt: z.string(),
  record: z.object({}).loose().describe('The OSV record as imported'),
  affectedImages: z.number().int().describe('Stored images with an open finding for this advisory'),
});

type AdvisoryRow = {
  id: string;
  summary: string | null;
  aliases: string;
  severity: string;
  score: number | null;
  modified: string;
  published: string | null;
  withdrawn: string | null;
};

function summaryOf(row: AdvisoryRow): z.infer<typeof advisorySummarySchema> {
  return {
    id: row.id,
    summary: row.summary,
    aliases: JSON.parse(row.aliases) as string[],
    severity: row.severity,
    score: row.score,
    modified: row.modified,
    published: row.published,
    withdrawn: row.withdrawn,
  };
}

export const advisoryRoutes = [
  route({
    method: 'get',
    path: '/api/v1/advisories',
    summary: 'List advisories, optionally those about one ecosystem or package',
    tag: 'advisories',
    auth: 'api',
    query: pageQuerySchema
      .extend({
        ecosystem: z.string().max(100).optional().describe('OSV ecosystem with or without release: Debian, Debian:12, npm'),
        package: z.string().max(300).optional().describe('Package name as the ecosystem writes it'),
        severity: z.enum(SEVERITY_VALUES).optional(),
      })
      .strict(),
    response: { status: 200, description: 'A page of advisories, newest change first', schema: listSchema(advisorySummarySchema) },
    async handler({ query }, server) {
      const page = pageOf(query);
      let select = server.store.db
        .selectFrom('advisories')
        .select(['id', 'summary', 'aliases', 'severity', 'score', 'modified', 'published', 'withdrawn']);
      if (query.ecosystem !== undefined || query.package !== undefined) {
        select = select.where('id', 'in', (eb) => {
          let affected = eb.selectFrom('advisory_affected').select('advisory_id');
          const ecosystem = query.ecosystem;
          if (ecosystem !== undefined) affected = affected.where((inner) => inner.or([inner('ecosystem', '=', ecosystem), inner('ecosystem_base', '=', ecosystem)]));
          if (query.package !== undefined) affected = affected.where('package', '=', query.package);
          return affected;
        });
      }
      if (query.severity !== undefined) select = select.where('severity', '=', query.severity);
      const rows = await select.orderBy('modified', 'desc').orderBy('id').limit(page.limit + 1).offset(page.offset).execute();
      return pageFromRows(rows.map(summaryOf), page);
    },
  }),

  route({
    method: 'get',
    path: '/api/v1/advisories/{id}',
    summary: 'Show one advisory with its OSV record, by id or alias',
    tag: 'advisories',
    auth: 'api',
    params: z.object({ id: z.string().min(1).max(200) }),
    response: { status: 200, description: 'The advisory', schema: advisoryDetailSchema },
    errors: [404],
    async handler({ params }, server) {
      let row = await server.store.db.selectFrom('advisories').selectAll().where('id', '=', params.id).executeTakeFirst();
      if (row === undefined) {
        // Aliases are a JSON array of strings, so the quoted alias is a substring of it.
        const quoted = `%${JSON.stringify(params.id).replace(/[\\%_]/g, (char) => `\\${char}`)}%`;
        row = await server.store.db.selectFrom('advisories').selectAll().where(sql<boolean>`aliases like ${quoted} escape '\\'`).orderBy('id').executeTakeFirst();
      }
      if (row === undefined) throw new ApiError(404, 'not_found', `advisory ${params.id} not found; run a sync if it is new`);

      const affected = await server.store.db
        .selectFrom('findings')
        .select(sql<number>`count(distinct image_config_digest)`.as('count'))
        .where('advisory_id', '=', row.id)
        .where('resolved_at', 'is', null)
        .executeTakeFirst();
      return {
        ...summaryOf(row),
        source: row.source,
        importedAt: row.imported_at,
        record: JSON.parse(row.record) as Record<string, unknown>,
        affectedImages: Number(affected?.count ?? 0),
      };
    },
  }),
];
