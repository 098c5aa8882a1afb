import path from 'node:path';
import type { LoadedPolicy } from './load.js';
import { compileImagePattern, compileRepositoryPattern, imagePatternMatches, type ImageIdentity, type ImagePattern, type RepositoryPattern } from './pattern.js';
import type { BlockedImage, TrustedBase } from './schema.js';

/** A policy compiled for matching. */
export interface CompiledPolicy {
  loaded: LoadedPolicy;
  /** The trusted-base entry an image matches: repository pattern, and digest pin when pinned. */
  trustedBaseFor(identity: ImageIdentity): TrustedBase | undefined;
  /** The first `blocked` entry an image matches. */
  blockedBy(identity: ImageIdentity): BlockedImage | undefined;
  /**
   * Whether a build source (absolute Dockerfile path, and its context directory) is listed in
   * `auditedSources`, either as the Dockerfile itself or as its build directory.
   */
  isAuditedSource(dockerfile: string, contextDir: string): boolean;
}

/** Compiles a loaded (already validated) policy. */
export function compilePolicy(loaded: LoadedPolicy): CompiledPolicy {
  const bases: Array<{ entry: TrustedBase; pattern: RepositoryPattern }> = loaded.policy.trustedBases.map((entry) => ({
    entry,
    pattern: compileRepositoryPattern(entry.repository),
  }));
  const blocked: Array<{ entry: BlockedImage; pattern: ImagePattern }> = loaded.policy.blocked.map((entry) => ({
    entry,
    pattern: compileImagePattern(entry.image),
  }));
  const sources = new Set(loaded.auditedSources.map((source) => path.resolve(source)));

  return {
    loaded,
    trustedBaseFor(identity) {
      const match = bases.find(({ entry, pattern }) => {
        if (!identity.names.some((name) => pattern.test(name.name))) return false;
        return entry.digests === undefined || entry.digests.some((digest) => identity.digests.has(digest));
      });
      return match?.entry;
    },
    blockedBy(identity) {
      return blocked.find(({ pattern }) => imagePatternMatches(pattern, identity))?.entry;
    },
    isAuditedSource(dockerfile, contextDir) {
      const file = path.resolve(dockerfile);
      const directory = path.resolve(contextDir);
      return sources.has(file) || (sources.has(directory) && path.dirname(file) === directory && path.basename(file) === 'Dockerfile');
    },
  };
}
