import type { DiffId } from '../common/digest.js';
import type { OpenTargetOptions } from '../image/index.js';
import type { Store } from '../store/index.js';
import { loadImageFacts, openTrustSession, type CompiledPolicy, type TrustSession, type Verdict } from '../trust/index.js';
import type { ImageJudge, ImageResolver, Judgement, ResolvedImage } from './types.js';

export interface TrustJudgeOptions {
  /** Use only stored knowledge: no registry is opened to resolve trusted bases or read bases. */
  offline?: boolean;
  open?: OpenTargetOptions;
  /**
   * Milliseconds a trust session is reused. A session reads the known images once and the
   * state of each build source once, so a long-running plugin opens a new one after this long
   * to see new approvals and builds. Default 60 000.
   */
  sessionMaxAgeMs?: number;
  now?: () => number;
}

/**
 * Judges images with the trust module: resolves the FROM chain from the store's build
 * records and known images, and judges it against the policy.
 */
export function trustImageJudge(store: Store, policy: CompiledPolicy, options: TrustJudgeOptions = {}): ImageJudge {
  const now = options.now ?? Date.now;
  const maxAge = options.sessionMaxAgeMs ?? 60_000;
  let session: { opened: number; value: Promise<TrustSession> } | undefined;

  const current = (signal?: AbortSignal): Promise<TrustSession> => {
    if (session === undefined || now() - session.opened >= maxAge) {
      const value = openTrustSession(store, policy, { offline: options.offline, open: options.open, signal });
      // A failed open is not kept, so that the next request tries again.
      value.catch(() => {
        if (session?.value === value) session = undefined;
      });
      session = { opened: now(), value };
    }
    return session.value;
  };

  return {
    async judgeImage(image, signal) {
      const facts = { ...image, diffIds: image.diffIds as DiffId[] };
      const verdict = await (await current(signal)).evaluate(facts);
      return judgementOf(verdict);
    },
  };
}

/** Converts a trust verdict into the enforcement module's Judgement. */
export function judgementOf(verdict: Verdict): Judgement {
  return {
    verdict: verdict.verdict,
    reasons: verdict.reasons,
    chain: verdict.chain.links.map((link) => link.reference ?? link.digest ?? 'unknown'),
  };
}

/**
 * Resolves images in registries, for compose images that are not on the engine yet. Only the
 * manifest and config are read.
 */
export function registryResolver(open: OpenTargetOptions = {}): ImageResolver {
  return {
    async resolveImage(image, signal) {
      const facts = await loadImageFacts(image, { ...open, signal });
      return { ...facts, target: image };
    },
  };
}

/** Tries resolvers in order; the first that finds the image wins. */
export function firstResolver(resolvers: ImageResolver[]): ImageResolver {
  return {
    async resolveImage(image, signal) {
      for (const resolver of resolvers) {
        const resolved: ResolvedImage | undefined = await resolver.resolveImage(image, signal);
        if (resolved !== undefined) return resolved;
      }
      return undefined;
    },
  };
}
