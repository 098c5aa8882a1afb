import type { Digest, DiffId } from '../common/digest.js';
import { isDigest, parseDigest } from '../common/digest.js';
import { InputError } from '../common/errors.js';
import { transaction, type Store } from '../store/index.js';
import type { PinnedFile } from './audit/index.js';
import type { Finding } from './dockerfile/index.js';

/**
 * Persistence of trust evidence: approvals of build sources (`audits`), build records
 * (`builds`) and images known as possible bases (`known_images`, plus the scanned `images`).
 */

/** One approval of a build source. */
export interface Approval {
  id: number;
  /** Absolute path of the Dockerfile. */
  source: string;
  contextDir: string;
  buildArgs: Record<string, string>;
  contentDigest: Digest;
  files: PinnedFile[];
  dockerfileText: string;
  findings: Finding[];
  approvedBy: string;
  /** ISO 8601, UTC. */
  approvedAt: string;
}

/** An external image a build read, pinned to the digest it resolved to. */
export interface PinnedImage {
  reference: string;
  digest: Digest;
}

/** An image built from a build source. */
export interface BuildRecord {
  id: number;
  /** Absolute path of the Dockerfile. */
  source: string;
  contextDir: string;
  /** Content digest of the source when it was built, as `pinBuildContext` computes it. */
  contentDigest: Digest;
  /** The image the output's layers start from: the final stage's base; null for `FROM scratch`. */
  parent: PinnedImage | null;
  /** Every external image the build read (bases of all stages, `COPY --from` images), parent included. */
  bases: PinnedImage[];
  configDigest: Digest;
  manifestDigest: Digest | undefined;
  builtAt: string;
}

/** Origin of a known image. */
export type KnownOrigin = 'trusted-base' | 'user' | 'scanned';

/** An image chain resolution can name as a base. */
export interface KnownImage {
  configDigest: Digest;
  manifestDigest: Digest | undefined;
  references: string[];
  diffIds: DiffId[];
  /** Manifest annotations and config labels. */
  annotations: Record<string, string>;
  origin: KnownOrigin;
}

/** Stores an approval in one transaction and returns it with its id. */
export async function recordApproval(store: Store, approval: Omit<Approval, 'id'>): Promise<Approval> {
  return transaction(store, async (trx) => {
    const row = await trx
      .insertInto('audits')
      .values({
        source: approval.source,
        context_dir: approval.contextDir,
        build_args: JSON.stringify(approval.buildArgs),
        content_digest: approval.contentDigest,
        files: JSON.stringify(approval.files),
        dockerfile_text: approval.dockerfileText,
        findings: JSON.stringify(approval.findings),
        approved_by: approval.approvedBy,
        approved_at: approval.approvedAt,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return { ...approval, id: row.id };
  });
}

/** Lists every approval of a source, newest first. */
export async function approvalsOf(store: Store, source: string): Promise<Approval[]> {
  const rows = await store.db.selectFrom('audits').selectAll().where('source', '=', source).orderBy('approved_at', 'desc').orderBy('id', 'desc').execute();
  return rows.map((row) => ({
    id: row.id,
    source: row.source,
    contextDir: row.context_dir,
    buildArgs: JSON.parse(row.build_args) as Record<string, string>,
    contentDigest: row.content_digest as Digest,
    files: JSON.parse(row.files) as PinnedFile[],
    dockerfileText: row.dockerfile_text,
    findings: JSON.parse(row.findings) as Finding[],
    approvedBy: row.approved_by,
    approvedAt: row.approved_at,
  }));
}

/** Returns the newest approval of a source, or undefined. */
export async function latestApproval(store: Store, source: string): Promise<Approval | undefined> {
  return (await approvalsOf(store, source))[0];
}

/** A build record to store; `builtAt` defaults to now. */
export type NewBuildRecord = Omit<BuildRecord, 'id' | 'builtAt' | 'manifestDigest'> & { builtAt?: string; manifestDigest?: Digest };

/**
 * Stores a build record. The build module calls this after a build from an audited source.
 *
 * The parent is added to `bases` when missing there.
 *
 * @throws InputError when a digest is malformed.
 */
export async function recordBuild(store: Store, record: NewBuildRecord): Promise<BuildRecord> {
  parseDigest(record.contentDigest, 'content digest');
  parseDigest(record.configDigest, 'config digest');
  if (record.manifestDigest !== undefined) parseDigest(record.manifestDigest, 'manifest digest');
  for (const base of record.bases) parseDigest(base.digest, `digest of base ${base.reference}`);
  if (record.parent !== null) parseDigest(record.parent.digest, `digest of parent ${record.parent.reference}`);
  const parent = record.parent;
  const bases = parent !== null && !record.bases.some((base) => samePin(base, parent)) ? [parent, ...record.bases] : record.bases;

  const builtAt = record.builtAt ?? new Date().toISOString();
  const row = await store.db
    .insertInto('builds')
    .values({
      source: record.source,
      context_dir: record.contextDir,
      content_digest: record.contentDigest,
      parent_reference: record.parent?.reference ?? null,
      parent_digest: record.parent?.digest ?? null,
      bases: JSON.stringify(bases),
      config_digest: record.configDigest,
      manifest_digest: record.manifestDigest ?? null,
      built_at: builtAt,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { ...record, bases, manifestDigest: record.manifestDigest, builtAt, id: row.id };
}

function samePin(a: PinnedImage, b: PinnedImage): boolean {
  return a.reference === b.reference && a.digest === b.digest;
}

/** Finds the newest build record whose output has this config digest or manifest digest. */
export async function findBuild(store: Store, digests: { configDigest: Digest; manifestDigest?: Digest | undefined }): Promise<BuildRecord | undefined> {
  let query = store.db.selectFrom('builds').selectAll();
  query = digests.manifestDigest === undefined
    ? query.where('config_digest', '=', digests.configDigest)
    : query.where((eb) => eb.or([eb('config_digest', '=', digests.configDigest), eb('manifest_digest', '=', digests.manifestDigest!)]));
  const row = await query.orderBy('built_at', 'desc').orderBy('id', 'desc').executeTakeFirst();
  if (row === undefined) return undefined;
  return {
    id: row.id,
    source: row.source,
    contextDir: row.context_dir,
    contentDigest: row.content_digest as Digest,
    parent: row.parent_reference === null || row.parent_digest === null ? null : { reference: row.parent_reference, digest: row.parent_digest as Digest },
    bases: JSON.parse(row.bases) as PinnedImage[],
    configDigest: row.config_digest as Digest,
    manifestDigest: (row.manifest_digest ?? undefined) as Digest | undefined,
    builtAt: row.built_at,
  };
}

/**
 * Stores an image as known, merging references with an earlier entry for the same config
 * digest. A `trusted-base` origin is never downgraded by a later call, and replaces `user`.
 */
export async function rememberKnownImage(store: Store, image: Omit<KnownImage, 'origin'>, origin: Exclude<KnownOrigin, 'scanned'>): Promise<void> {
  if (!isDigest(image.configDigest)) throw new InputError(`invalid config digest "${image.configDigest}" for a known image`);
  const now = new Date().toISOString();
  await transaction(store, async (trx) => {
    const existing = await trx.selectFrom('known_images').select(['references', 'origin', 'added_at', 'manifest_digest']).where('config_digest', '=', image.configDigest).executeTakeFirst();
    const references = new Set<string>(existing ? (JSON.parse(existing.references) as string[]) : []);
    for (const reference of image.references) references.add(reference);
    const row = {
      config_digest: image.configDigest,
      manifest_digest: image.manifestDigest ?? existing?.manifest_digest ?? null,
      references: JSON.stringify([...references].sort()),
      diff_ids: JSON.stringify(image.diffIds),
      annotations: JSON.stringify(image.annotations),
      // A registry resolution of a trusted base outranks a user's addition of the same config.
      origin: existing?.origin === 'trusted-base' || origin === 'trusted-base' ? 'trusted-base' : 'user',
      added_at: existing?.added_at ?? now,
      checked_at: now,
    };
    await trx
      .insertInto('known_images')
      .values(row)
      .onConflict((conflict) => conflict.column('config_digest').doUpdateSet({ ...row, added_at: row.added_at }))
      .execute();
  });
}

/** Lists every known image: the `known_images` table, then every scanned image not already in it. */
export async function listKnownImages(store: Store): Promise<KnownImage[]> {
  const known = await store.db.selectFrom('known_images').selectAll().execute();
  const scanned = await store.db.selectFrom('images').select(['config_digest', 'manifest_digest', 'references', 'diff_ids', 'annotations']).execute();
  const out = new Map<string, KnownImage>();
  for (const row of known) {
    out.set(row.config_digest, {
      configDigest: row.config_digest as Digest,
      manifestDigest: (row.manifest_digest ?? undefined) as Digest | undefined,
      references: JSON.parse(row.references) as string[],
      diffIds: JSON.parse(row.diff_ids) as DiffId[],
      annotations: JSON.parse(row.annotations) as Record<string, string>,
      origin: row.origin === 'trusted-base' ? 'trusted-base' : 'user',
    });
  }
  for (const row of scanned) {
    const entry = out.get(row.config_digest);
    const references = JSON.parse(row.references) as string[];
    if (entry) {
      entry.references = [...new Set([...entry.references, ...references])].sort();
      continue;
    }
    out.set(row.config_digest, {
      configDigest: row.config_digest as Digest,
      manifestDigest: (row.manifest_digest ?? undefined) as Digest | undefined,
      references,
      diffIds: JSON.parse(row.diff_ids) as DiffId[],
      annotations: JSON.parse(row.annotations) as Record<string, string>,
      origin: 'scanned',
    });
  }
  return [...out.values()];
}

/** Returns the known image of a config digest, if any. */
export async function knownImageByConfig(store: Store, configDigest: Digest): Promise<KnownImage | undefined> {
  return (await listKnownImages(store)).find((image) => image.configDigest === configDigest);
}
