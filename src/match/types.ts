import type { SeverityLevel } from '../advisory/index.js';
import type { DiffId } from '../common/digest.js';

/**
 * What can be done about a finding: `fixed-available` when the advisory names a fixed version
 * above the installed one, `unfixed` when it names none yet, and `wont-fix` when the
 * distribution has decided not to fix the issue in this release.
 */
export type FindingState = 'fixed-available' | 'unfixed' | 'wont-fix';

/** The installed package a finding is about. */
export interface FindingPackage {
  name: string;
  version: string;
  /** The OSV ecosystem of the matched advisory entry: `Debian:12`, `npm`. */
  ecosystem: string;
  purl: string;
  layer: DiffId;
  /**
   * The source package the advisory names, when it differs from the installed package: Debian
   * advisories name `openssl` for an installed `libssl3`.
   */
  source?: { name: string; version: string };
}

/** One advisory that affects one installed package. */
export interface Finding {
  advisoryId: string;
  aliases: string[];
  summary: string | undefined;
  severity: SeverityLevel;
  /** The CVSS base score, when the severity came from a CVSS vector. */
  score: number | undefined;
  package: FindingPackage;
  /** The smallest fixed version above the installed one, compared in the source version when matched by source. */
  fixedVersion: string | undefined;
  state: FindingState;
  /** The matched range or list and why it matched, as one sentence. */
  reason: string;
}
