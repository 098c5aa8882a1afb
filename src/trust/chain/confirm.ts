import type { Digest } from '../../common/digest.js';
import { parseReference } from '../../image/reference.js';
import { compileRepositoryPattern, identityOf, type CompiledPolicy, type TrustedBase } from '../policy/index.js';
import type { KnownImage } from '../store.js';

/** The claimed identity of an image: its names, and the digests read for it. */
export interface IdentityClaim {
  references: string[];
  configDigest: Digest | undefined;
  manifestDigest: Digest | undefined;
  /**
   * Whether the manifest digest and the `@digest` references were read from content (a registry,
   * an OCI layout, a build record) rather than from engine metadata such as RepoDigests.
   */
  digestsVerified: boolean;
  /** Digests from Bosun's own records, such as the parent digest of a build record. */
  recordedDigests?: Digest[];
}

/**
 * Finds the trusted-base entry an image is, by confirmed identity only. A name that matches the
 * entry is required but never enough, because a local tag can put any name on any image. The
 * image must also match one of the entry's digest pins, or have the config or manifest digest of
 * an image resolved from the registry for that entry (a known image with origin `trusted-base`).
 */
export function confirmTrustedBase(policy: CompiledPolicy, known: readonly KnownImage[], claim: IdentityClaim): TrustedBase | undefined {
  const names = identityOf(claim.references, []).names.map((entry) => entry.name);
  if (names.length === 0) return undefined;
  const digests = confirmedDigests(claim, known);
  if (digests.size === 0) return undefined;

  for (const entry of policy.loaded.policy.trustedBases) {
    const pattern = compileRepositoryPattern(entry.repository);
    if (!names.some((name) => pattern.test(name))) continue;
    if (entry.digests !== undefined) {
      if (entry.digests.some((pin) => digests.has(pin))) return entry;
      continue;
    }
    const resolved = known.some(
      (image) =>
        image.origin === 'trusted-base' &&
        image.references.some((reference) => matchesName(pattern.test, reference)) &&
        (digests.has(image.configDigest) || (image.manifestDigest !== undefined && digests.has(image.manifestDigest))),
    );
    if (resolved) return entry;
  }
  return undefined;
}

/**
 * Collects the digests of a claim that content backs. The config digest is the hash of the config itself.
 * A manifest digest from engine metadata counts only when a registry resolution of a trusted base
 * maps it to the same config digest.
 */
export function confirmedDigests(claim: IdentityClaim, known: readonly KnownImage[]): Set<string> {
  const digests = new Set<string>(claim.recordedDigests ?? []);
  if (claim.configDigest !== undefined) digests.add(claim.configDigest);
  if (claim.digestsVerified) {
    if (claim.manifestDigest !== undefined) digests.add(claim.manifestDigest);
    for (const digest of identityOf(claim.references, []).digests) digests.add(digest);
  }
  for (const image of known) {
    if (image.origin !== 'trusted-base' || claim.configDigest === undefined || image.configDigest !== claim.configDigest) continue;
    if (image.manifestDigest !== undefined) digests.add(image.manifestDigest);
    for (const digest of identityOf(image.references, []).digests) digests.add(digest);
  }
  return digests;
}

function matchesName(test: (name: string) => boolean, reference: string): boolean {
  try {
    return test(parseReference(reference, { defaultTag: null }).name);
  } catch {
    return false;
  }
}
