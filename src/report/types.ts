/**
 * The scan report: Bosun's JSON output contract (`bosun scan --format json`), documented field by
 * field in docs/json-output.md. A breaking change bumps `schemaVersion`, and an added optional
 * field does not. Fields are plain JSON types, so that a parsed report has the same type.
 */

import type { PackageType } from '../catalog/types.js';

/** Severities from most to least severe. */
export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'unknown'] as const;
export type Severity = (typeof SEVERITIES)[number];

/**
 * Fix status of a finding: a fixed version exists, no fix exists yet, or the distribution has
 * decided not to fix it.
 */
export const FINDING_STATES = ['fixed-available', 'unfixed', 'wont-fix'] as const;
export type FindingState = (typeof FINDING_STATES)[number];

/** The scanned image. */
export interface ReportImage {
  /** The normalised reference: `docker.io/library/debian:bookworm`. */
  reference?: string;
  /** Digest of the image manifest, where the source has one. */
  digest?: string;
  configDigest: string;
  /** Layer diffIDs from the bottom up. */
  diffIds: string[];
  /** `os/architecture[/variant]`: `linux/amd64`. */
  platform?: string;
}

/** The image's operating system, from os-release. */
export interface ReportOs {
  id: string;
  version: string;
  codename?: string;
}

/** One installed package. */
export interface ReportPackage {
  name: string;
  version: string;
  /** OSV ecosystem the package is matched in (`Debian:12`, `npm`), or null when none applies. */
  ecosystem: string | null;
  type: PackageType;
  purl: string;
  arch?: string;
  sourceName?: string;
  sourceVersion?: string;
  /** Licences as the package metadata gives them: SPDX identifiers or free-form names. */
  licenses?: string[];
  /** DiffID of the layer that introduced the package. */
  layer: string;
  /** Path inside the image of the file the package was read from. */
  foundIn: string;
}

/** The package a finding is about. */
export interface FindingPackage {
  name: string;
  version: string;
  ecosystem: string | null;
  purl: string;
  sourceName?: string;
  layer: string;
}

/**
 * One advisory that affects one package: what the matcher produces and the report lists under
 * `vulnerabilities`.
 */
export interface Finding {
  /** Advisory id as the source names it: `CVE-2024-1234`, `DSA-5678-1`, `GHSA-xxxx-xxxx-xxxx`. */
  id: string;
  aliases: string[];
  summary?: string;
  severity: Severity;
  /** CVSS base score, 0.0 to 10.0. */
  score?: number;
  /** The CVSS vector the score comes from: `CVSS:3.1/AV:N/AC:L/…`. */
  vector?: string;
  package: FindingPackage;
  /** The first version that fixes it, in the package's own version scheme. */
  fixedVersion?: string;
  state: FindingState;
  /** Why the package matched: the affected range and the comparison that placed the version in it. */
  reason: string;
}

/** A problem that did not stop the scan, tied to the layer or file where it occurred. */
export interface ReportWarning {
  code: string;
  message: string;
  layer?: string;
  path?: string;
}

/** Finding counts by severity. */
export type SeverityCounts = Record<Severity, number>;

/** The result of scanning one image. */
export interface ScanReport {
  schemaVersion: 1;
  /** The target as the user wrote it. */
  target: string;
  image: ReportImage;
  os: ReportOs | null;
  packages: ReportPackage[];
  vulnerabilities: Finding[];
  warnings: ReportWarning[];
  summary: { packages: number; vulnerabilities: SeverityCounts };
  /** ISO 8601 time in UTC. */
  scannedAt: string;
  bosunVersion: string;
}
