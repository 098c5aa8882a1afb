import type { Digest, DiffId } from '../common/digest.js';
import { describeError } from '../common/errors.js';
import { logger, type Logger } from '../common/log.js';
import { transaction, type Store } from '../store/index.js';
import { compilePolicy, loadPolicy, openTrustSession, type TrustSession } from '../trust/index.js';
import { createNotice, verdictChangedNotice } from './notices.js';

export interface RefreshVerdictsOptions {
  /** The trust policy file, read again on every run so that an edited policy takes effect. */
  policyPath: string;
  /** Only these images (config digests); default every image a running container uses. */
  digests?: readonly string[];
  /** Channel names that get a delivery of each new notice. */
  channels: readonly string[];
  now?: Date;
  logger?: Logger;
}

/** The outcome of one verdict run. */
export interface VerdictOutcome {
  /** Images judged. */
  images: number;
  /** Images whose stored verdict changed, the first verdict of an image included. */
  changed: number;
  /** `verdict.changed` notices created. */
  notices: number;
}

/**
 * Judges every image that a running container uses against the policy, offline (only the
 * store's images, known images and build records count), and stores the verdict on the image
 * row. When a stored verdict differs from the new one, a `verdict.changed` notice is created in
 * the same transaction. The first verdict of an image creates no notice. An image that fails to
 * evaluate is logged and skipped, so one bad image does not stop the others.
 */
export async function refreshVerdicts(store: Store, options: RefreshVerdictsOptions): Promise<VerdictOutcome> {
  const log = options.logger ?? logger('monitor.verdicts');
  const digests = await usedImages(store, options.digests);
  const outcome: VerdictOutcome = { images: 0, changed: 0, notices: 0 };
  if (digests.length === 0) return outcome;

  const session = await openTrustSession(store, compilePolicy(await loadPolicy(options.policyPath)), { offline: true });
  for (const digest of digests) {
    try {
      const result = await judgeImage(store, session, digest, options.channels, options.now ?? new Date());
      if (result === undefined) continue;
      outcome.images += 1;
      if (result.changed) outcome.changed += 1;
      if (result.notice) outcome.notices += 1;
    } catch (error) {
      log.error({ digest, policy: options.policyPath, error: describeError(error) }, 'trust verdict failed');
    }
  }
  return outcome;
}

/** Returns the stored images that a running container uses, limited to `only` when given. */
async function usedImages(store: Store, only: readonly string[] | undefined): Promise<string[]> {
  if (only !== undefined && only.length === 0) return [];
  let query = store.db
    .selectFrom('containers')
    .innerJoin('images', 'images.config_digest', 'containers.image_config_digest')
    .select('images.config_digest')
    .distinct()
    .where('containers.removed_at', 'is', null)
    .where('containers.state', '=', 'running');
  if (only !== undefined) query = query.where('images.config_digest', 'in', [...only]);
  return (await query.orderBy('images.config_digest').execute()).map((row) => row.config_digest);
}

async function judgeImage(store: Store, session: TrustSession, digest: string, channels: readonly string[], now: Date): Promise<{ changed: boolean; notice: boolean } | undefined> {
  const row = await store.db
    .selectFrom('images')
    .select(['config_digest', 'manifest_digest', 'references', 'diff_ids', 'annotations'])
    .where('config_digest', '=', digest)
    .executeTakeFirst();
  if (row === undefined) return undefined;

  const references = JSON.parse(row.references) as string[];
  const reference = references[0] ?? row.config_digest;
  const verdict = await session.evaluate({
    target: reference,
    references,
    configDigest: row.config_digest as Digest,
    manifestDigest: (row.manifest_digest ?? undefined) as Digest | undefined,
    diffIds: JSON.parse(row.diff_ids) as DiffId[],
    annotations: JSON.parse(row.annotations) as Record<string, string>,
  });

  // The stored verdict is read again inside the transaction, so two runs over one image compare
  // against what the other stored rather than against a stale read.
  return transaction(store, async (trx) => {
    const stored = await trx.selectFrom('images').select('verdict').where('config_digest', '=', digest).executeTakeFirst();
    const before = stored?.verdict ?? null;
    await trx
      .updateTable('images')
      .set({ verdict: verdict.verdict, verdict_reasons: JSON.stringify(verdict.reasons) })
      .where('config_digest', '=', digest)
      .execute();
    if (before === verdict.verdict) return { changed: false, notice: false };
    if (before === null) return { changed: true, notice: false };

    const notice = await createNotice(trx, verdictChangedNotice(digest, reference, before, verdict.verdict, now), channels);
    return { changed: true, notice };
  });
}
