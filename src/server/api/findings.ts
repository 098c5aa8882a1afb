import { z } from 'zod';
import { describeError } from '../../common/errors.js';
import { addIgnoreRule, listFindings, listIgnoreRules, parseVersionRange, removeIgnoreRule, wherePackage } from '../../monitor/index.js';
import { route } from '../context.js';
import { ApiError, pageFromList, pageOf, pageQuerySchema, queryBoolean } from '../http.js';
import { digestParam, findingSchema, listSchema, SEVERITY_VALUES } from './schemas.js';

const ignoreRuleSchema = z.object({
  id: z.number().int(),
  advisory: z.string().nullable(),
  package: z.string().nullable(),
  image: z.string().nullable(),
  reason: z.string(),
  source: z.string(),
  expiresAt: z.string().nullable(),
  createdBy: z.string().nullable(),
  createdAt: z.string(),
});

const ignoreRuleInputSchema = z
  .object({
    advisory: z.string().min(1).max(200).optional().describe('Advisory id or alias'),
    package: z.string().min(1).max(1000).optional().describe('Package name, or a purl with or without version'),
    image: z.string().min(1).max(1000).optional().describe('Image digest, or a reference pattern where * matches any run of characters'),
    reason: z.string().trim().min(1, 'must say why the finding does not apply').max(2000),
    expiresAt: z
      .string()
      .max(40)
      .regex(/^\d{4}-\d{2}-\d{2}/, 'expected an ISO 8601 date such as 2027-01-01')
      .refine((value) => !Number.isNaN(Date.parse(value)), 'expected an ISO 8601 date such as 2027-01-01')
      .optional()
      .describe('ISO 8601 date or date-time; a bare date expires at 00:00 UTC'),
    everywhere: z.boolean().optional().describe('Must be true for a rule without advisory, package and image, which hides every finding'),
  })
  .strict()
  // Same guard as `bosun ignore add`: a rule that names nothing hides every finding, so it must be asked for.
  .refine((rule) => rule.advisory !== undefined || rule.package !== undefined || rule.image !== undefined || rule.everywhere === true, {
    message: 'a rule without advisory, package or image hides every finding; set "everywhere": true if that is meant',
    path: ['advisory'],
  })
  .refine((rule) => rule.expiresAt === undefined || Date.parse(rule.expiresAt) > Date.now(), {
    message: 'the expiry date is in the past',
    path: ['expiresAt'],
  });

/** A comma-separated list of severities. */
const severityList = z
  .string()
  .transform((value) => value.split(',').map((part) => part.trim()))
  .pipe(z.array(z.enum(SEVERITY_VALUES, { error: `expected a comma-separated list of ${SEVERITY_VALUES.join(', ')}` })));

const whereImageSchema = z.object({
  configDigest: z.string(),
  manifestDigest: z.string().nullable(),
  references: z.array(z.string()),
  packages: z.array(z.object({ name: z.string(), version: z.string(), type: z.string(), purl: z.string(), matchedBy: z.enum(['name', 'source']) }).loose()),
  containers: z.array(z.object({ endpoint: z.string(), id: z.string(), name: z.string(), state: z.string(), removedAt: z.string().nullable() })),
});

export const findingRoutes = [
  route({
    method: 'get',
    path: '/api/v1/findings',
    summary: 'List open findings, with ignore rules applied',
    tag: 'findings',
    auth: 'api',
    query: pageQuerySchema
      .extend({
        severity: severityList.optional(),
        image: digestParam.optional().describe('Config digest of an image'),
        state: z.enum(['fixed-available', 'unfixed', 'wont-fix']).optional(),
        advisory: z.string().max(200).optional(),
        includeIgnored: queryBoolean.optional().describe('Also list findings an ignore rule hides; they carry ignoredBy'),
        includeResolved: queryBoolean.optional().describe('Also list findings a re-match no longer found'),
      })
      .strict(),
    response: { status: 200, description: 'A page of findings by image, advisory and package', schema: listSchema(findingSchema) },
    async handler({ query }, server) {
      const page = pageOf(query);
      const findings = await listFindings(server.store, {
        image: query.image,
        includeIgnored: query.includeIgnored === true,
        includeResolved: query.includeResolved === true,
      });
      const severities = query.severity === undefined ? undefined : new Set<string>(query.severity);
      const selected = findings.filter(
        (finding) =>
          (severities === undefined || severities.has(finding.severity)) &&
          (query.state === undefined || finding.state === query.state) &&
          (query.advisory === undefined || finding.advisoryId === query.advisory || finding.aliases.includes(query.advisory)),
      );
      return pageFromList(selected, page);
    },
  }),

  route({
    method: 'get',
    path: '/api/v1/ignore-rules',
    summary: 'List ignore rules, expired ones included',
    tag: 'findings',
    auth: 'api',
    query: pageQuerySchema.extend({ activeOnly: queryBoolean.optional() }).strict(),
    response: { status: 200, description: 'A page of ignore rules, newest first', schema: listSchema(ignoreRuleSchema) },
    async handler({ query }, server) {
      return pageFromList(await listIgnoreRules(server.store, { activeOnly: query.activeOnly === true }), pageOf(query));
    },
  }),

  route({
    method: 'post',
    path: '/api/v1/ignore-rules',
    summary: 'Add an ignore rule; a rule naming no advisory, package or image needs "everywhere": true',
    tag: 'findings',
    auth: 'api',
    body: ignoreRuleInputSchema,
    response: { status: 201, description: 'The stored rule', schema: ignoreRuleSchema },
    async handler({ body, token }, server) {
      const { everywhere: _everywhere, ...rule } = body;
      return addIgnoreRule(server.store, { ...rule, createdBy: token === undefined ? undefined : `token:${token.name}` });
    },
  }),

  route({
    method: 'delete',
    path: '/api/v1/ignore-rules/{id}',
    summary: 'Delete an ignore rule',
    tag: 'findings',
    auth: 'api',
    params: z.object({ id: z.coerce.number().int().positive() }),
    response: { status: 204, description: 'Deleted' },
    errors: [404],
    async handler({ params }, server) {
      if (!(await removeIgnoreRule(server.store, params.id))) throw new ApiError(404, 'not_found', `ignore rule ${params.id} not found`);
      return undefined;
    },
  }),

  route({
    method: 'get',
    path: '/api/v1/where',
    summary: 'Find the images and running containers that contain a package',
    tag: 'findings',
    auth: 'api',
    query: pageQuerySchema
      .extend({
        package: z.string().min(1).max(300).describe('Binary or source package name, exact'),
        version: z.string().min(1).max(300).optional().describe("Version range such as '<3.0.0' or '>=1.2,<1.3'"),
        allContainers: queryBoolean.optional().describe('Include stopped and removed containers'),
      })
      .strict(),
    response: { status: 200, description: 'A page of images that contain the package', schema: listSchema(whereImageSchema) },
    async handler({ query }, server) {
      const page = pageOf(query);
      if (query.version !== undefined) {
        try {
          parseVersionRange(query.version);
        } catch (error) {
          throw new ApiError(400, 'invalid_request', `invalid query parameter version: ${describeError(error)}`, 'version');
        }
      }
      const result = await wherePackage(server.store, { name: query.package, version: query.version, allContainers: query.allContainers === true });
      return pageFromList(result.images, page);
    },
  }),
];
