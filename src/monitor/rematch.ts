import type { Kysely } from 'kysely';
import { loadAffectedEntries, queryForPackage, type AffectedKey } from '../advisory/index.js';
import type { OsInfo, Package } from '../catalog/types.js';
import { logger, type Logger } from '../common/log.js';
import { AdvisoryIndex, matchReport, type Finding } from '../match/index.js';
import { transaction, type Database, type Store } from '../store/index.js';
import { applyIgnoreRules, loadIgnoreRules, type IgnoreRule } from './ignore.js';
import { createNotice, vulnerabilityFixedNotice, vulnerabilityNewNotice, type ImageUser } from './notices.js';
import type { RematchOutcome } from './types.js';

export interface RematchOptions {
  /** Re-match only these images (config digests). Default every stored image. */
  digests?: readonly string[];
  /** Channel names that get a `pending` delivery for each new notice. */
  channels?: readonly string[];
  now?: Date;
  signal?: AbortSignal;
  logger?: Logger;
}

/** A stored image, parsed. */
interface StoredImage {
  digest: string;
  references: string[];
  os: OsInfo | undefined;
  packages: Package[];
}

/** State shared by every image of one re-match run. */
interface RunContext {
  index: AdvisoryIndex;
  rules: IgnoreRule[];
  users: Map<string, ImageUser[]>;
  channels: readonly string[];
  now: Date;
}

type FindingRow = Database['findings'];

/**
 * Re-matches stored images from their stored package lists, without reading any layer. The
 * advisory index is built once per run from the affected rows of every package the images
 * have, then each image's findings are written in one transaction: new ones inserted, changed
 * ones updated, vanished ones marked `resolved_at`. Notices for new findings and new fixes in
 * images that running containers use are created in the same transaction.
 */
export async function rematchImages(store: Store, options: RematchOptions = {}): Promise<RematchOutcome> {
  const started = performance.now();
  const log = options.logger ?? logger('monitor');
  const digests = await imageDigests(store, options.digests);

  const context: RunContext = {
    index: await buildIndex(store, digests),
    rules: await loadIgnoreRules(store),
    users: await runningUsers(store),
    channels: options.channels ?? [],
    now: options.now ?? new Date(),
  };

  const outcome: RematchOutcome = { images: digests.length, added: 0, changed: 0, resolved: 0, notices: 0, durationMs: 0 };
  for (const digest of digests) {
    options.signal?.throwIfAborted();
    const image = await loadImage(store, digest);
    if (!image) continue;
    const result = await transaction(store, (trx) => rematchImage(trx, image, context));
    outcome.added += result.added;
    outcome.changed += result.changed;
    outcome.resolved += result.resolved;
    outcome.notices += result.notices;
  }

  outcome.durationMs = Math.round(performance.now() - started);
  log.info({ ...outcome, entries: context.index.size }, 'images re-matched');
  return outcome;
}

/**
 * Lists the images to re-match. Their package lists are read one image at a time, so a large
 * fleet never has every package list in memory at once.
 */
async function imageDigests(store: Store, digests: readonly string[] | undefined): Promise<string[]> {
  if (digests !== undefined && digests.length === 0) return [];
  let query = store.db.selectFrom('images').select('config_digest');
  if (digests !== undefined) query = query.where('config_digest', 'in', [...digests]);
  return (await query.orderBy('config_digest').execute()).map((row) => row.config_digest);
}

async function loadImage(store: Store, digest: string): Promise<StoredImage | undefined> {
  const row = await store.db
    .selectFrom('images')
    .select(['config_digest', 'references', 'os', 'packages'])
    .where('config_digest', '=', digest)
    .executeTakeFirst();
  if (!row) return undefined;
  return {
    digest: row.config_digest,
    references: JSON.parse(row.references) as string[],
    os: row.os ? (JSON.parse(row.os) as OsInfo) : undefined,
    packages: JSON.parse(row.packages) as Package[],
  };
}

/** Loads the affected rows for the union of the images' package keys, once. */
async function buildIndex(store: Store, digests: readonly string[]): Promise<AdvisoryIndex> {
  const keys = new Map<string, AffectedKey>();
  for (const digest of digests) {
    const image = await loadImage(store, digest);
    for (const pkg of image?.packages ?? []) {
      const query = queryForPackage(image?.os, pkg);
      if (query) keys.set(`${query.base}\u0000${query.name}`, { base: query.base, name: query.name });
    }
  }
  return AdvisoryIndex.fromEntries(await loadAffectedEntries(store, [...keys.values()]));
}

/** Running containers per image config digest: only their images produce vulnerability notices. */
async function runningUsers(store: Store): Promise<Map<string, ImageUser[]>> {
  const rows = await store.db
    .selectFrom('containers')
    .select(['endpoint', 'id', 'name', 'image_reference', 'image_config_digest'])
    .where('removed_at', 'is', null)
    .where('state', '=', 'running')
    .where('image_config_digest', 'is not', null)
    .orderBy('endpoint')
    .orderBy('name')
    .execute();
  const users = new Map<string, ImageUser[]>();
  for (const row of rows) {
    const list = users.get(row.image_config_digest!) ?? [];
    list.push({ endpoint: row.endpoint, id: row.id, name: row.name, imageReference: row.image_reference });
    users.set(row.image_config_digest!, list);
  }
  return users;
}

interface ImageResult {
  added: number;
  changed: number;
  resolved: number;
  notices: number;
}

async function rematchImage(db: Kysely<Database>, image: StoredImage, context: RunContext): Promise<ImageResult> {
  const now = context.now.toISOString();
  const findings = uniqueFindings(matchReport(context.index, image.os, image.packages).findings);
  const existing = new Map<string, FindingRow>();
  for (const row of await db.selectFrom('findings').selectAll().where('image_config_digest', '=', image.digest).execute()) {
    existing.set(findingKey(row.advisory_id, row.package_purl), row);
  }

  const result: ImageResult = { added: 0, changed: 0, resolved: 0, notices: 0 };
  const inserts: FindingRow[] = [];
  const newlyFixed: Finding[] = [];
  const added: Finding[] = [];

  for (const finding of findings) {
    const key = findingKey(finding.advisoryId, finding.package.purl);
    const before = existing.get(key);
    existing.delete(key);
    const row = findingRow(image.digest, finding, before, now);

    if (before === undefined) {
      inserts.push(row);
      added.push(finding);
      continue;
    }
    if (before.resolved_at !== null) added.push(finding);
    else if (!sameFinding(before, row)) result.changed += 1;
    else continue;

    if (finding.state === 'fixed-available' && before.state !== 'fixed-available' && before.resolved_at === null) newlyFixed.push(finding);
    await updateFinding(db, row);
  }
  result.added = added.length;

  // 15 columns a row: 500 rows stay far below SQLite's and PostgreSQL's bound-parameter limits.
  for (let start = 0; start < inserts.length; start += 500) {
    await db.insertInto('findings').values(inserts.slice(start, start + 500)).execute();
  }
  result.resolved = await resolveGone(db, image.digest, [...existing.values()], now);
  // Unchanged findings keep their row as it is: rewriting `last_seen_at` on every finding of every
  // image made an unchanged re-match of a large fleet write each row once per sync. When an image
  // was last matched is the image's `matched_at`.
  await db.updateTable('images').set({ matched_at: now }).where('config_digest', '=', image.digest).execute();

  result.notices = await findingNotices(db, image, added, newlyFixed, context);
  return result;
}

/** Keeps one finding per advisory and purl, the table's key; the matcher also keys on the layer. */
function uniqueFindings(findings: readonly Finding[]): Finding[] {
  const unique = new Map<string, Finding>();
  for (const finding of findings) {
    const key = findingKey(finding.advisoryId, finding.package.purl);
    if (!unique.has(key)) unique.set(key, finding);
  }
  return [...unique.values()];
}

function findingKey(advisoryId: string, purl: string): string {
  return `${advisoryId}\u0000${purl}`;
}

function findingRow(digest: string, finding: Finding, before: FindingRow | undefined, now: string): FindingRow {
  return {
    image_config_digest: digest,
    advisory_id: finding.advisoryId,
    package_purl: finding.package.purl,
    package_name: finding.package.name,
    package_version: finding.package.version,
    ecosystem: finding.package.ecosystem,
    severity: finding.severity,
    score: finding.score ?? null,
    fixed_version: finding.fixedVersion ?? null,
    state: finding.state,
    reason: finding.reason,
    first_seen_at: before?.first_seen_at ?? now,
    last_seen_at: now,
    resolved_at: null,
  };
}

function sameFinding(a: FindingRow, b: FindingRow): boolean {
  return (
    a.state === b.state &&
    a.fixed_version === b.fixed_version &&
    a.severity === b.severity &&
    a.score === b.score &&
    a.reason === b.reason &&
    a.package_version === b.package_version &&
    a.ecosystem === b.ecosystem
  );
}

async function updateFinding(db: Kysely<Database>, row: FindingRow): Promise<void> {
  const { image_config_digest, advisory_id, package_purl, first_seen_at: _first, ...changes } = row;
  await db
    .updateTable('findings')
    .set(changes)
    .where('image_config_digest', '=', image_config_digest)
    .where('advisory_id', '=', advisory_id)
    .where('package_purl', '=', package_purl)
    .execute();
}

async function resolveGone(db: Kysely<Database>, digest: string, gone: readonly FindingRow[], now: string): Promise<number> {
  let resolved = 0;
  for (const row of gone) {
    if (row.resolved_at !== null) continue;
    await db
      .updateTable('findings')
      .set({ resolved_at: now })
      .where('image_config_digest', '=', digest)
      .where('advisory_id', '=', row.advisory_id)
      .where('package_purl', '=', row.package_purl)
      .execute();
    resolved += 1;
  }
  return resolved;
}

/**
 * Creates the notices for one image's changes. Only images a running container uses notify,
 * and a finding an active ignore rule hides does not. The first running container (by endpoint
 * and name) is the one the notice names; the notice id does not depend on it.
 */
async function findingNotices(db: Kysely<Database>, image: StoredImage, added: Finding[], fixed: Finding[], context: RunContext): Promise<number> {
  const user = context.users.get(image.digest)?.[0];
  if (user === undefined || added.length + fixed.length === 0) return 0;

  const visible = (finding: Finding) => {
    const subject = {
      imageConfigDigest: image.digest,
      imageNames: [...image.references, user.imageReference],
      advisoryId: finding.advisoryId,
      aliases: finding.aliases,
      packageName: finding.package.name,
      packagePurl: finding.package.purl,
    };
    return applyIgnoreRules(subject, context.rules, context.now).ignoredBy === undefined;
  };

  let created = 0;
  for (const finding of added.filter(visible)) {
    if (await createNotice(db, vulnerabilityNewNotice(image.digest, finding, user, context.now), context.channels)) created += 1;
  }
  for (const finding of fixed.filter(visible)) {
    if (await createNotice(db, vulnerabilityFixedNotice(image.digest, finding, user, context.now), context.channels)) created += 1;
  }
  return created;
}
