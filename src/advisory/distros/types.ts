import type { OsInfo, PackageType } from '../../catalog/types.js';

/** The state of a finding whose advisory names no fix for the installed version. */
export type UnfixedState = 'unfixed' | 'wont-fix';

/** The affected entry's `ecosystem_specific` and `database_specific` objects. */
export interface AffectedSpecific {
  ecosystemSpecific: Record<string, unknown>;
  databaseSpecific: Record<string, unknown>;
}

/**
 * The OSV conventions of one Linux distribution: the ecosystem name, the release format, and
 * whether advisories name source or binary packages.
 */
export interface DistroRule {
  /** The OSV ecosystem without release: `Debian`, `Alpine`, `Rocky Linux`. */
  ecosystem: string;
  /** os-release `ID` values of images this rule applies to. */
  osIds: readonly string[];
  /** The package type the distribution's package manager installs. */
  packageType: PackageType;
  /**
   * True when advisories name source packages (Debian, Ubuntu) or origin packages (Alpine),
   * so that a binary package is looked up under `sourceName` at `sourceVersion`.
   */
  matchesSourcePackage: boolean;
  /** The release qualifier for an image, as OSV writes it (`12`, `v3.20`), or undefined if unknown. */
  release(os: OsInfo): string | undefined;
  /** Rewrites the release part of an advisory's ecosystem to the form `release` returns. */
  normalizeRelease?(release: string): string;
  /** Whether an advisory entry's (normalized) release applies to an image release; default: equal. */
  releaseApplies?(entryRelease: string, imageRelease: string): boolean;
  /** Whether a finding without a fix is one the distribution has decided not to fix. */
  unfixedState?(specific: AffectedSpecific): UnfixedState;
}

/** The major number of a version string: `9` for `9.4`. */
export function majorVersion(version: string): string | undefined {
  return /^(\d+)/.exec(version)?.[1];
}
