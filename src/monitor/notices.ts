import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Digest } from '../common/digest.js';
import type { Finding } from '../match/index.js';
import type { Notice, NoticeKind, Severity } from '../notify/index.js';
import type { Database } from '../store/index.js';

/** A container that uses an image, as notices name it. */
export interface ImageUser {
  endpoint: string;
  id: string;
  name: string;
  imageReference: string;
}

/** A notice ready to store: the notify `Notice` plus the columns the table indexes. */
export interface NewNotice {
  notice: Notice;
  endpoint: string | null;
  imageConfigDigest: string | null;
  advisoryId: string | null;
}

/**
 * Computes a notice id: the SHA-256 of the kind and the facts the notice is about, so the same
 * event yields the same id in every run and on every restart.
 */
export function noticeId(kind: NoticeKind, ...parts: string[]): string {
  const hash = createHash('sha256').update(kind);
  for (const part of parts) hash.update('\u0000').update(part);
  return hash.digest('hex');
}

/**
 * Inserts a notice with `ON CONFLICT DO NOTHING` and, only when it was new, one `pending`
 * delivery per channel. Run it inside the transaction that records the change the notice is
 * about, so a crash leaves both or neither. Returns true when the notice was new.
 */
export async function createNotice(db: Kysely<Database>, entry: NewNotice, channels: readonly string[]): Promise<boolean> {
  const { notice } = entry;
  const createdAt = notice.createdAt.toISOString();
  const inserted = await db
    .insertInto('notices')
    .values({
      id: notice.id,
      kind: notice.kind,
      title: notice.title,
      body: notice.body,
      severity: notice.severity ?? null,
      endpoint: entry.endpoint,
      container: notice.container ?? null,
      image_reference: notice.image?.reference ?? null,
      image_config_digest: entry.imageConfigDigest,
      advisory_id: entry.advisoryId,
      payload: JSON.stringify(notice),
      created_at: createdAt,
    })
    .onConflict((conflict) => conflict.column('id').doNothing())
    .returning('id')
    .executeTakeFirst();
  if (inserted === undefined) return false;

  if (channels.length > 0) {
    await db
      .insertInto('deliveries')
      .values(channels.map((channel) => ({ notice_id: notice.id, channel, status: 'pending', attempts: 0, last_error: null, next_attempt_at: null, updated_at: createdAt })))
      .onConflict((conflict) => conflict.columns(['notice_id', 'channel']).doNothing())
      .execute();
  }
  return true;
}

/** Builds the `vulnerability.new` notice for a finding in an image that `user` runs. */
export function vulnerabilityNewNotice(digest: string, finding: Finding, user: ImageUser, now: Date): NewNotice {
  const pkg = finding.package;
  const fix = finding.fixedVersion ? `Fixed in ${finding.fixedVersion}.` : 'No fixed version is known yet.';
  return {
    notice: {
      id: noticeId('vulnerability.new', digest, finding.advisoryId, pkg.purl),
      kind: 'vulnerability.new',
      title: `${finding.advisoryId} affects ${pkg.name} ${pkg.version} in ${user.imageReference}`,
      body: `${finding.summary ?? finding.advisoryId}\n\n${capitalise(finding.reason)}. ${fix}`,
      severity: finding.severity as Severity,
      host: user.endpoint,
      container: user.name,
      image: { reference: user.imageReference, digest: digest as Digest },
      advisory: advisoryOf(finding),
      createdAt: now,
    },
    endpoint: user.endpoint,
    imageConfigDigest: digest,
    advisoryId: finding.advisoryId,
  };
}

/** Builds the `vulnerability.fixed` notice for a finding whose fixed version just appeared. */
export function vulnerabilityFixedNotice(digest: string, finding: Finding, user: ImageUser, now: Date): NewNotice {
  const pkg = finding.package;
  const fixedVersion = finding.fixedVersion ?? 'unknown';
  return {
    notice: {
      id: noticeId('vulnerability.fixed', digest, finding.advisoryId, pkg.purl, fixedVersion),
      kind: 'vulnerability.fixed',
      title: `Fix available for ${finding.advisoryId} in ${pkg.name} (${user.imageReference})`,
      body: `${finding.summary ?? finding.advisoryId}\n\n${pkg.name} ${pkg.version} is affected and ${fixedVersion} fixes it: rebuild or update the image.`,
      severity: finding.severity as Severity,
      host: user.endpoint,
      container: user.name,
      image: { reference: user.imageReference, digest: digest as Digest },
      advisory: advisoryOf(finding),
      createdAt: now,
    },
    endpoint: user.endpoint,
    imageConfigDigest: digest,
    advisoryId: finding.advisoryId,
  };
}

/**
 * Builds the `image.unused` notice. `since` (the removal time of the last container) is part of
 * the id, so an image that is used again and later dropped again gets a new notice.
 */
export function imageUnusedNotice(digest: string, reference: string, endpoint: string, since: string, now: Date): NewNotice {
  return {
    notice: {
      id: noticeId('image.unused', digest, since),
      kind: 'image.unused',
      title: `Image ${reference} is no longer used`,
      body: `No container uses ${reference} (${digest}) since ${since}. Remove the image if nothing needs it.`,
      severity: 'none',
      host: endpoint,
      image: { reference, digest: digest as Digest },
      createdAt: now,
    },
    endpoint,
    imageConfigDigest: digest,
    advisoryId: null,
  };
}

/**
 * Builds the `verdict.changed` notice. The id includes both verdicts, so a change notifies once
 * even when two runs see it.
 *
 * NOTE: an image whose verdict goes back and forth (A to B, B to A, A to B again) gets no
 * second A-to-B notice, because that id is already stored.
 */
export function verdictChangedNotice(digest: string, reference: string, before: string, after: string, now: Date): NewNotice {
  return {
    notice: {
      id: noticeId('verdict.changed', digest, before, after),
      kind: 'verdict.changed',
      title: `Trust verdict of ${reference} changed from ${before} to ${after}`,
      body: `The trust verdict of ${reference} (${digest}) is now ${after}; it was ${before}.`,
      image: { reference, digest: digest as Digest },
      createdAt: now,
    },
    endpoint: null,
    imageConfigDigest: digest,
    advisoryId: null,
  };
}

/**
 * Creates `image.unused` notices for those of `digests` that no container uses any more
 * (every container row that names them is removed). Returns the number of new notices.
 */
export async function imageUnusedNotices(db: Kysely<Database>, digests: readonly string[], channels: readonly string[], now: Date): Promise<number> {
  let created = 0;
  for (const digest of new Set(digests)) {
    const rows = await db
      .selectFrom('containers')
      .select(['endpoint', 'image_reference', 'removed_at'])
      .where('image_config_digest', '=', digest)
      .orderBy('removed_at', 'desc')
      .execute();
    if (rows.length === 0 || rows.some((row) => row.removed_at === null)) continue;

    const last = rows[0]!;
    const notice = imageUnusedNotice(digest, last.image_reference, last.endpoint, last.removed_at!, now);
    if (await createNotice(db, notice, channels)) created += 1;
  }
  return created;
}

function advisoryOf(finding: Finding): Notice['advisory'] {
  return {
    id: finding.advisoryId,
    aliases: finding.aliases.slice(0, 100),
    severity: finding.severity as Severity,
    ...(finding.fixedVersion !== undefined && { fixedVersion: finding.fixedVersion }),
    url: `https://osv.dev/vulnerability/${encodeURIComponent(finding.advisoryId)}`,
  };
}

function capitalise(text: string): string {
  return text.length === 0 ? text : text[0]!.toUpperCase() + text.slice(1);
}
