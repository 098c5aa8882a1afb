import { stat } from 'node:fs/promises';
import type { Digest, DiffId } from '../common/digest.js';
import { describeError } from '../common/errors.js';
import type { Logger } from '../common/log.js';
import type { Store } from '../store/index.js';
import { compilePolicy, loadPolicy, openTrustSession, type Chain, type TrustSession, type VerdictKind } from '../trust/index.js';

/** The trust verdict on a stored image, as the API shows it. */
export interface ImageVerdict {
  verdict: VerdictKind;
  reasons: string[];
  chain: Chain;
}

/** Judges stored images against the trust policy. */
export interface VerdictSource {
  /** The verdict on an image, or null when no policy is configured or the image is not stored. */
  verdictOf(configDigest: string): Promise<ImageVerdict | null>;
}

/** A verdict source for a service without a policy. */
export const noVerdicts: VerdictSource = { verdictOf: async () => null };

/** Verdicts are kept this long before the image is judged again. */
const CACHE_MS = 60_000;
const MAX_CACHED = 5000;

/**
 * Judges stored images against the policy file at `policyPath`, offline: only the store's
 * images, known images and build records count, and no registry is contacted while serving a
 * request. The policy is read again when its modification time changes. Verdicts are cached
 * for a minute, so an approval shows in the API within that time.
 */
export function policyVerdicts(store: Store, policyPath: string, log: Logger): VerdictSource {
  let session: { mtimeMs: number; openedAt: number; opened: Promise<TrustSession> } | undefined;
  const cache = new Map<string, { at: number; verdict: Promise<ImageVerdict | null> }>();

  const currentSession = async (): Promise<TrustSession> => {
    const { mtimeMs } = await stat(policyPath);
    // A session caches known images and the state of build sources, so it is renewed as often
    // as the verdicts it produced expire.
    if (session === undefined || session.mtimeMs !== mtimeMs || Date.now() - session.openedAt > CACHE_MS) {
      const opened = loadPolicy(policyPath).then((loaded) => openTrustSession(store, compilePolicy(loaded), { offline: true }));
      opened.catch(() => undefined);
      if (session !== undefined && session.mtimeMs !== mtimeMs) cache.clear();
      session = { mtimeMs, openedAt: Date.now(), opened };
    }
    return session.opened;
  };

  const judge = async (configDigest: string): Promise<ImageVerdict | null> => {
    const row = await store.db
      .selectFrom('images')
      .select(['config_digest', 'manifest_digest', 'references', 'diff_ids', 'annotations'])
      .where('config_digest', '=', configDigest)
      .executeTakeFirst();
    if (row === undefined) return null;

    const references = JSON.parse(row.references) as string[];
    const trust = await currentSession();
    const verdict = await trust.evaluate({
      target: references[0] ?? row.config_digest,
      references,
      configDigest: row.config_digest as Digest,
      manifestDigest: (row.manifest_digest ?? undefined) as Digest | undefined,
      diffIds: JSON.parse(row.diff_ids) as DiffId[],
      annotations: JSON.parse(row.annotations) as Record<string, string>,
    });
    return { verdict: verdict.verdict, reasons: verdict.reasons, chain: verdict.chain };
  };

  return {
    async verdictOf(configDigest) {
      const cached = cache.get(configDigest);
      if (cached !== undefined && Date.now() - cached.at < CACHE_MS) return cached.verdict;
      if (cache.size >= MAX_CACHED) cache.clear();

      const verdict = judge(configDigest).catch((error: unknown) => {
        log.error({ digest: configDigest, policy: policyPath, err: describeError(error) }, 'trust verdict failed');
        cache.delete(configDigest);
        return null;
      });
      cache.set(configDigest, { at: Date.now(), verdict });
      return verdict;
    },
  };
}
