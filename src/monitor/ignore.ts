import { z } from 'zod';
import { truncate } from '../common/digest.js';
import { InputError } from '../common/errors.js';
import { transaction, type Store } from '../store/index.js';

/** A stored ignore rule. Unset `advisory`, `package` and `image` match anything. */
export interface IgnoreRule {
  id: number;
  /** Advisory id or alias (`CVE-2023-45853`, `DSA-5678-1`). */
  advisory: string | null;
  /** Package name, or a purl (with or without version; qualifiers are ignored). */
  package: string | null;
  /** Image config digest, manifest digest, or reference pattern where `*` matches any run of characters. */
  image: string | null;
  reason: string;
  /** `user`, or `vex:<document @id>` for rules imported from an OpenVEX document. */
  source: string;
  expiresAt: string | null;
  createdBy: string | null;
  createdAt: string;
}

export interface IgnoreRuleInput {
  advisory?: string;
  package?: string;
  image?: string;
  reason: string;
  /** ISO 8601 date or date-time; a bare date expires at 00:00 UTC that day. */
  expiresAt?: string;
  createdBy?: string;
  source?: string;
}

/** A finding as the API and the CLI show it, with the ignore rules applied. */
export interface FindingView {
  imageConfigDigest: string;
  advisoryId: string;
  aliases: string[];
  packagePurl: string;
  packageName: string;
  packageVersion: string;
  ecosystem: string;
  severity: string;
  score: number | null;
  fixedVersion: string | null;
  state: string;
  reason: string;
  firstSeenAt: string;
  lastSeenAt: string;
  resolvedAt: string | null;
  /** The active rule that hides this finding. */
  ignoredBy?: { id: number; reason: string; source: string; expiresAt: string | null };
  /** An expired rule that used to hide this finding; set only when no active rule hides it. */
  ignoreExpired?: { id: number; reason: string; source: string; expiresAt: string };
}

/** The facts a rule is matched against. */
export interface RuleSubject {
  imageConfigDigest: string;
  /** Manifest digest and references of the image, when known. */
  imageNames: readonly string[];
  advisoryId: string;
  aliases: readonly string[];
  packageName: string;
  packagePurl: string;
}

/**
 * Validates and stores an ignore rule.
 *
 * @throws InputError for an empty reason or an invalid expiry date.
 */
export async function addIgnoreRule(store: Store, input: IgnoreRuleInput, now = new Date()): Promise<IgnoreRule> {
  const row = ruleRow(input, now);
  const inserted = await store.db.insertInto('ignore_rules').values(row).returning('id').executeTakeFirstOrThrow();
  return toRule({ ...row, id: inserted.id });
}

function ruleRow(input: IgnoreRuleInput, now: Date) {
  if (input.reason.trim() === '') {
    throw new InputError('an ignore rule needs a reason', { hint: 'say why the finding does not apply, with --reason TEXT' });
  }
  return {
    advisory_id: blankToNull(input.advisory),
    package: blankToNull(input.package),
    image: blankToNull(input.image),
    reason: input.reason.trim(),
    source: input.source ?? 'user',
    expires_at: input.expiresAt === undefined ? null : parseExpiry(input.expiresAt),
    created_by: input.createdBy ?? null,
    created_at: now.toISOString(),
  };
}

/** Lists rules, newest first. Expired rules are included unless `activeOnly` is set. */
export async function listIgnoreRules(store: Store, options: { activeOnly?: boolean; now?: Date } = {}): Promise<IgnoreRule[]> {
  const rows = await store.db.selectFrom('ignore_rules').selectAll().orderBy('id', 'desc').execute();
  const now = (options.now ?? new Date()).toISOString();
  return rows.map(toRule).filter((rule) => !options.activeOnly || rule.expiresAt === null || rule.expiresAt > now);
}

/** Returns every rule; callers split active from expired with `applyIgnoreRules`. */
export async function loadIgnoreRules(store: Store): Promise<IgnoreRule[]> {
  return (await store.db.selectFrom('ignore_rules').selectAll().execute()).map(toRule);
}

/** Deletes a rule. Returns false when no rule has that id. */
export async function removeIgnoreRule(store: Store, id: number): Promise<boolean> {
  const result = await store.db.deleteFrom('ignore_rules').where('id', '=', id).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/**
 * Decides which rules apply to a finding at `now`. The first active rule that matches hides it.
 * Without one, the most recently expired matching rule is reported, so the user sees that an
 * ignore ran out.
 */
export function applyIgnoreRules(
  subject: RuleSubject,
  rules: readonly IgnoreRule[],
  now: Date,
): Pick<FindingView, 'ignoredBy' | 'ignoreExpired'> {
  const nowText = now.toISOString();
  let expired: IgnoreRule | undefined;
  for (const rule of rules) {
    if (!ruleMatches(rule, subject)) continue;
    if (rule.expiresAt === null || rule.expiresAt > nowText) {
      return { ignoredBy: { id: rule.id, reason: rule.reason, source: rule.source, expiresAt: rule.expiresAt } };
    }
    if (!expired || rule.expiresAt > (expired.expiresAt ?? '')) expired = rule;
  }
  if (!expired) return {};
  return { ignoreExpired: { id: expired.id, reason: expired.reason, source: expired.source, expiresAt: expired.expiresAt! } };
}

/** Reports whether every field the rule sets matches the finding. */
export function ruleMatches(rule: IgnoreRule, subject: RuleSubject): boolean {
  if (rule.advisory !== null && rule.advisory !== subject.advisoryId && !subject.aliases.includes(rule.advisory)) return false;
  if (rule.package !== null && !packageMatches(rule.package, subject)) return false;
  if (rule.image !== null && !imageMatches(rule.image, subject)) return false;
  return true;
}

function packageMatches(pattern: string, subject: RuleSubject): boolean {
  if (!pattern.startsWith('pkg:')) return pattern === subject.packageName;
  const wanted = purlCore(pattern);
  const actual = purlCore(subject.packagePurl);
  // A purl without a version names every version of the package.
  return wanted.includes('@') ? wanted === actual : wanted === actual.split('@')[0];
}

/** Strips qualifiers and subpath from a purl and decodes the percent-encoded `:` of OCI digests. */
function purlCore(purl: string): string {
  const core = purl.split(/[?#]/)[0] ?? purl;
  return core.replace(/%3[Aa]/g, ':');
}

function imageMatches(pattern: string, subject: RuleSubject): boolean {
  if (pattern === subject.imageConfigDigest) return true;
  const digest = digestInPattern(pattern);
  if (digest !== undefined) return digest === subject.imageConfigDigest || subject.imageNames.some((name) => name === digest || name.endsWith(`@${digest}`));
  const regex = new RegExp(`^${pattern.split('*').map(escapeRegex).join('.*')}$`);
  return subject.imageNames.some((name) => regex.test(name));
}

/** Extracts the digest a pattern pins: a bare digest, `name@sha256:…` or `pkg:oci/name@sha256%3A…`. */
function digestInPattern(pattern: string): string | undefined {
  const match = /(sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})/.exec(purlCore(pattern));
  return match?.[1];
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function parseExpiry(text: string): string {
  const value = text.trim();
  const date = /^\d{4}-\d{2}-\d{2}$/.test(value) ? new Date(`${value}T00:00:00Z`) : new Date(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(date.getTime())) {
    throw new InputError(`invalid expiry "${truncate(value)}"`, { hint: 'write a date such as 2027-01-01 or a time such as 2027-01-01T12:00:00Z' });
  }
  return date.toISOString();
}

function blankToNull(value: string | undefined): string | null {
  return value === undefined || value.trim() === '' ? null : value.trim();
}

type RuleRow = { id: number } & ReturnType<typeof ruleRow>;

function toRule(row: RuleRow): IgnoreRule {
  return {
    id: row.id,
    advisory: row.advisory_id,
    package: row.package,
    image: row.image,
    reason: row.reason,
    source: row.source,
    expiresAt: row.expires_at,
    createdBy: row.created_by,
    createdAt: row.created_at,
  };
}

// OpenVEX v0.2.0, https://github.com/openvex/spec/blob/main/OPENVEX-SPEC.md: only the fields
// that decide which findings a statement hides are validated; others pass through.
const vexProductSchema = z
  .object({
    '@id': z.string().min(1).max(2000).optional(),
    identifiers: z.record(z.string(), z.string().max(2000)).optional(),
    subcomponents: z.array(z.object({ '@id': z.string().min(1).max(2000).optional() }).loose()).max(10_000).optional(),
  })
  .loose();

const vexStatementSchema = z
  .object({
    vulnerability: z.object({ name: z.string().min(1).max(200), aliases: z.array(z.string().max(200)).max(100).optional() }).loose(),
    products: z.array(vexProductSchema).max(10_000).optional(),
    status: z.enum(['not_affected', 'affected', 'fixed', 'under_investigation']),
    justification: z.string().max(200).optional(),
    impact_statement: z.string().max(10_000).optional(),
    status_notes: z.string().max(10_000).optional(),
  })
  .loose();

const vexDocumentSchema = z
  .object({
    '@context': z.string().regex(/^https:\/\/openvex\.dev\/ns/, 'expected an https://openvex.dev/ns context'),
    '@id': z.string().min(1).max(2000),
    author: z.string().max(1000).optional(),
    timestamp: z.string().max(100).optional(),
    statements: z.array(vexStatementSchema).max(100_000),
  })
  .loose();

export type VexDocument = z.infer<typeof vexDocumentSchema>;

export interface VexImportResult {
  documentId: string;
  /** Rules stored for this document; an import replaces the rules of an earlier import of the same `@id`. */
  rules: number;
  /** Statements that hide nothing: `affected` and `under_investigation`. */
  skipped: number;
}

/**
 * Parses an OpenVEX document (JSON text).
 *
 * @throws InputError naming the first invalid fields.
 */
export function parseVex(text: string, label = 'VEX document'): VexDocument {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new InputError(`${label} is not valid JSON`, { hint: 'give an OpenVEX JSON document', cause: error });
  }
  const result = vexDocumentSchema.safeParse(json);
  if (!result.success) {
    const issues = result.error.issues.slice(0, 5).map((issue) => `${issue.path.join('.') || '(document)'}: ${issue.message}`);
    throw new InputError(`${label} is not a valid OpenVEX document: ${issues.join('; ')}`, { hint: 'check the document against the OpenVEX v0.2.0 spec' });
  }
  return result.data;
}

/**
 * Stores the `not_affected` and `fixed` statements of an OpenVEX document as ignore rules with
 * source `vex:<@id>`, replacing the rules of an earlier import of the same document, in one
 * transaction. A product with subcomponents becomes one rule per subcomponent, with the product
 * as the image and the subcomponent as the package. A product without subcomponents becomes an
 * image rule when it is a purl of type `oci`, a digest or an image reference, and a package rule
 * when it is any other purl.
 */
export async function importVex(store: Store, document: VexDocument, now = new Date()): Promise<VexImportResult> {
  const source = `vex:${document['@id']}`;
  const rows: Array<ReturnType<typeof ruleRow>> = [];
  let skipped = 0;

  for (const statement of document.statements) {
    if (statement.status !== 'not_affected' && statement.status !== 'fixed') {
      skipped += 1;
      continue;
    }
    const reason = vexReason(statement);
    for (const target of statementTargets(statement)) {
      rows.push(ruleRow({ advisory: statement.vulnerability.name, ...target, reason, source }, now));
    }
  }

  await transaction(store, async (trx) => {
    await trx.deleteFrom('ignore_rules').where('source', '=', source).execute();
    for (let start = 0; start < rows.length; start += 200) {
      await trx.insertInto('ignore_rules').values(rows.slice(start, start + 200)).execute();
    }
  });
  return { documentId: document['@id'], rules: rows.length, skipped };
}

function vexReason(statement: z.infer<typeof vexStatementSchema>): string {
  const detail = statement.justification ?? statement.impact_statement ?? statement.status_notes;
  return `VEX ${statement.status}${detail ? `: ${truncate(detail, 500)}` : ''}`;
}

function statementTargets(statement: z.infer<typeof vexStatementSchema>): Array<{ image?: string; package?: string }> {
  const products = statement.products ?? [];
  // A statement without products applies to the vulnerability everywhere.
  if (products.length === 0) return [{}];

  const targets: Array<{ image?: string; package?: string }> = [];
  for (const product of products) {
    const id = product['@id'] ?? product.identifiers?.['purl'];
    if (id === undefined) continue;
    const subcomponents = (product.subcomponents ?? []).map((sub) => sub['@id']).filter((sub): sub is string => sub !== undefined);
    if (subcomponents.length === 0) {
      targets.push(isImageName(id) ? { image: id } : { package: id });
      continue;
    }
    for (const sub of subcomponents) targets.push({ image: id, package: sub });
  }
  return targets;
}

function isImageName(id: string): boolean {
  return id.startsWith('pkg:oci/') || !id.startsWith('pkg:');
}

/** Options of `listFindings`. */
export interface ListFindingsOptions {
  image?: string;
  /** Include findings an active rule hides (they carry `ignoredBy`). Default false. */
  includeIgnored?: boolean;
  /** Include findings a re-match no longer found. Default false. */
  includeResolved?: boolean;
  now?: Date;
}

/**
 * Lists stored findings with the ignore rules applied. Rules never delete findings, and a hidden
 * finding is left out unless `includeIgnored` is set.
 */
export async function listFindings(store: Store, options: ListFindingsOptions = {}): Promise<FindingView[]> {
  let query = store.db.selectFrom('findings').selectAll();
  if (options.image !== undefined) query = query.where('image_config_digest', '=', options.image);
  if (!options.includeResolved) query = query.where('resolved_at', 'is', null);
  const rows = await query.orderBy('image_config_digest').orderBy('advisory_id').orderBy('package_purl').execute();
  if (rows.length === 0) return [];

  const rules = await loadIgnoreRules(store);
  const aliases = await aliasesOf(store, [...new Set(rows.map((row) => row.advisory_id))]);
  const names = await imageNamesOf(store, [...new Set(rows.map((row) => row.image_config_digest))]);
  const now = options.now ?? new Date();

  const views: FindingView[] = [];
  for (const row of rows) {
    const view: FindingView = {
      imageConfigDigest: row.image_config_digest,
      advisoryId: row.advisory_id,
      aliases: aliases.get(row.advisory_id) ?? [],
      packagePurl: row.package_purl,
      packageName: row.package_name,
      packageVersion: row.package_version,
      ecosystem: row.ecosystem,
      severity: row.severity,
      score: row.score,
      fixedVersion: row.fixed_version,
      state: row.state,
      reason: row.reason,
      firstSeenAt: row.first_seen_at,
      lastSeenAt: row.last_seen_at,
      resolvedAt: row.resolved_at,
    };
    const subject = { ...subjectOf(view), imageNames: names.get(row.image_config_digest) ?? [] };
    Object.assign(view, applyIgnoreRules(subject, rules, now));
    if (view.ignoredBy && !options.includeIgnored) continue;
    views.push(view);
  }
  return views;
}

function subjectOf(view: FindingView): Omit<RuleSubject, 'imageNames'> {
  return {
    imageConfigDigest: view.imageConfigDigest,
    advisoryId: view.advisoryId,
    aliases: view.aliases,
    packageName: view.packageName,
    packagePurl: view.packagePurl,
  };
}

/** Loads the aliases of advisories, by id. */
export async function aliasesOf(store: Store, ids: string[]): Promise<Map<string, string[]>> {
  const result = new Map<string, string[]>();
  for (let start = 0; start < ids.length; start += 500) {
    const rows = await store.db.selectFrom('advisories').select(['id', 'aliases']).where('id', 'in', ids.slice(start, start + 500)).execute();
    for (const row of rows) result.set(row.id, JSON.parse(row.aliases) as string[]);
  }
  return result;
}

/** Loads the manifest digest and references of images, by config digest, for image rules. */
export async function imageNamesOf(store: Store, digests: string[]): Promise<Map<string, string[]>> {
  const result = new Map<string, string[]>();
  for (let start = 0; start < digests.length; start += 500) {
    const chunk = digests.slice(start, start + 500);
    const images = await store.db.selectFrom('images').select(['config_digest', 'manifest_digest', 'references']).where('config_digest', 'in', chunk).execute();
    for (const row of images) {
      const names = JSON.parse(row.references) as string[];
      if (row.manifest_digest) names.push(row.manifest_digest);
      result.set(row.config_digest, names);
    }
    const containers = await store.db.selectFrom('containers').select(['image_config_digest', 'image_reference']).where('image_config_digest', 'in', chunk).execute();
    for (const row of containers) {
      const names = result.get(row.image_config_digest ?? '') ?? [];
      if (!names.includes(row.image_reference)) names.push(row.image_reference);
      result.set(row.image_config_digest ?? '', names);
    }
  }
  return result;
}
