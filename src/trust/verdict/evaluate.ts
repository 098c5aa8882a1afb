import type { Warning } from '../../common/errors.js';
import { logger } from '../../common/log.js';
import type { OpenTargetOptions } from '../../image/index.js';
import type { Store } from '../../store/index.js';
import { loadImageFacts, refreshTrustedBases, resolveChain, type ImageFacts } from '../chain/index.js';
import type { CompiledPolicy } from '../policy/index.js';
import { findBuild, listKnownImages, rememberKnownImage } from '../store.js';
import { judgeChain, type Verdict } from './judge.js';
import { checkSource, type SourceStatus } from './source.js';

const log = logger('trust');

export interface EvaluateOptions {
  /** How to open targets and bases that are not known yet. */
  open?: OpenTargetOptions;
  /** Use only stored knowledge: open no registry to resolve trusted bases or read bases. */
  offline?: boolean;
  signal?: AbortSignal;
}

/** A session that judges several images against one policy with one refresh of trusted bases. */
export interface TrustSession {
  /** Warnings from resolving the trusted bases. */
  warnings: Warning[];
  evaluate(facts: ImageFacts): Promise<Verdict>;
  evaluateTarget(target: string): Promise<Verdict>;
}

/**
 * Opens a trust session: resolves the trusted bases in their registries (unless offline), then
 * judges images against the known images and build records in the store. The state of each
 * build source is read once per session.
 */
export async function openTrustSession(store: Store, policy: CompiledPolicy, options: EvaluateOptions = {}): Promise<TrustSession> {
  const open: OpenTargetOptions = { ...options.open, signal: options.signal };
  const refresh = options.offline ? undefined : await refreshTrustedBases(store, policy, open);
  const warnings = [...policy.loaded.warnings, ...(refresh?.warnings ?? [])];
  const known = await listKnownImages(store);
  const sourceCache = new Map<string, Promise<SourceStatus>>();

  const evaluate = async (facts: ImageFacts): Promise<Verdict> => {
    const chain = await resolveChain(facts, {
      policy,
      known,
      findBuild: (digests) => findBuild(store, digests),
      openBase: options.offline ? undefined : (reference) => loadImageFacts(reference, open),
    });
    const verdict = await judgeChain(facts.target, chain, policy, (source) => {
      let status = sourceCache.get(source.dockerfile);
      if (status === undefined) {
        status = checkSource(store, source, { signal: options.signal });
        sourceCache.set(source.dockerfile, status);
      }
      return status;
    });
    log.info({ image: facts.target, digest: facts.configDigest, verdict: verdict.verdict, links: chain.links.length }, 'trust verdict');
    return verdict;
  };
  return {
    warnings,
    evaluate,
    evaluateTarget: async (target) => evaluate(await loadImageFacts(target, open)),
  };
}

/** Reads a target and stores it as a known image that chains may name as a base. */
export async function addKnownImage(store: Store, target: string, options: OpenTargetOptions = {}): Promise<ImageFacts> {
  const facts = await loadImageFacts(target, options);
  await rememberKnownImage(store, { configDigest: facts.configDigest, manifestDigest: facts.manifestDigest, references: facts.references, diffIds: facts.diffIds, annotations: facts.annotations }, 'user');
  return facts;
}
