import { describeError, type Warning } from '../../common/errors.js';
import { logger } from '../../common/log.js';
import { headDigest, openTarget, type OpenTargetOptions } from '../../image/index.js';
import type { CompiledPolicy } from '../policy/index.js';
import { compileRepositoryPattern } from '../policy/index.js';
import type { Store } from '../../store/index.js';
import { listKnownImages, rememberKnownImage, type KnownImage } from '../store.js';
import { factsOfOpened } from './facts.js';

const log = logger('trust.known');

/** Outcome of a refresh of the trusted bases. */
export interface RefreshResult {
  /** References opened and stored. */
  resolved: string[];
  /** References whose digest was already known. */
  cached: string[];
  warnings: Warning[];
}

/**
 * Resolves every trusted base with an exact repository in its registry and stores its layers
 * as a known image, so that layer-prefix evidence can name it. Each pinned digest is opened
 * once and then read from the store. Each listed tag is checked with a HEAD request and opened
 * only when it points to a digest not seen before. A registry failure becomes a warning, and
 * the stored resolution is used.
 *
 * Glob repositories cannot be listed, so they match only images already known by name.
 */
export async function refreshTrustedBases(store: Store, policy: CompiledPolicy, options: OpenTargetOptions = {}): Promise<RefreshResult> {
  const result: RefreshResult = { resolved: [], cached: [], warnings: [] };
  const known = await listKnownImages(store);
  for (const base of policy.loaded.policy.trustedBases) {
    const pattern = compileRepositoryPattern(base.repository);
    if (pattern.glob) continue;
    for (const digest of base.digests ?? []) await refreshOne(store, known, pattern.text, `${pattern.text}@${digest}`, digest, options, result);
    for (const tag of base.tags ?? []) {
      const reference = `${pattern.text}:${tag}`;
      let digest: string;
      try {
        digest = await headDigest(reference, { ...options.registry, signal: options.signal });
      } catch (error) {
        result.warnings.push({ code: 'trust.base_unreachable', message: `cannot resolve trusted base ${reference}: ${describeError(error)}; the stored resolution is used` });
        continue;
      }
      await refreshOne(store, known, pattern.text, reference, digest, options, result);
    }
  }
  log.info({ resolved: result.resolved.length, cached: result.cached.length, warnings: result.warnings.length }, 'trusted bases refreshed');
  return result;
}

/** Stores the image `name@digest`, which `reference` (a tag or the pin itself) resolved to. */
async function refreshOne(
  store: Store,
  known: KnownImage[],
  name: string,
  reference: string,
  digest: string,
  options: OpenTargetOptions,
  result: RefreshResult,
): Promise<void> {
  const pinned = `${name}@${digest}`;
  const hit = known.find((image) => image.origin === 'trusted-base' && (image.manifestDigest === digest || image.configDigest === digest || image.references.includes(pinned)));
  if (hit !== undefined) {
    if (!hit.references.includes(reference)) await rememberKnownImage(store, { ...hit, references: [reference, pinned] }, 'trusted-base');
    result.cached.push(reference);
    return;
  }

  let image;
  try {
    image = await openTarget(pinned, options);
  } catch (error) {
    result.warnings.push({ code: 'trust.base_unreachable', message: `cannot open trusted base ${pinned}: ${describeError(error)}` });
    return;
  }
  try {
    const facts = factsOfOpened(image);
    const references = [...new Set([reference, pinned, ...facts.references.filter((text) => text.startsWith(`${name}@`))])];
    const entry = { configDigest: facts.configDigest, manifestDigest: facts.manifestDigest, references, diffIds: facts.diffIds, annotations: facts.annotations };
    await rememberKnownImage(store, entry, 'trusted-base');
    known.push({ ...entry, origin: 'trusted-base' });
    result.resolved.push(reference);
  } finally {
    await image.close();
  }
}
