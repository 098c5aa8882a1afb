import type { Warning } from '../common/errors.js';
import { compareText, sortPackages } from '../catalog/sbom/refs.js';
import type { SbomImage } from '../catalog/sbom/types.js';
import type { Catalogue, OsInfo, Package } from '../catalog/types.js';
import { emptyCounts, severityRank } from './severity.js';
import type { Finding, ReportImage, ReportPackage, ScanReport } from './types.js';

/** Everything a scan produced, before it becomes a report. */
export interface ScanResult {
  /** The target as the user wrote it. */
  target: string;
  image: SbomImage;
  catalogue: Catalogue;
  /** The matcher's findings. */
  findings: Finding[];
  /** Warnings from opening the image. The catalogue's own warnings are added after them. */
  warnings?: Warning[];
  /** Maps a package to the OSV ecosystem it is matched in, or null when none applies. */
  ecosystemOf: (pkg: Package, os: OsInfo | undefined) => string | null;
  bosunVersion: string;
  /** Defaults to now. */
  scannedAt?: Date;
}

/**
 * Builds the scan report: packages in SBOM order (purl, layer, file), findings sorted by
 * severity, package and advisory id, and the counts in `summary`.
 */
export function buildScanReport(result: ScanResult): ScanReport {
  const { catalogue } = result;
  const vulnerabilities = [...result.findings].sort(compareFindings);
  const counts = emptyCounts();
  for (const finding of vulnerabilities) counts[finding.severity] += 1;

  return {
    schemaVersion: 1,
    target: result.target,
    image: reportImage(result.image),
    os: catalogue.os ? { id: catalogue.os.id, version: catalogue.os.version, ...optional('codename', catalogue.os.codename) } : null,
    packages: sortPackages(catalogue.packages).map((pkg) => reportPackage(pkg, result.ecosystemOf(pkg, catalogue.os))),
    vulnerabilities,
    warnings: [...(result.warnings ?? []), ...catalogue.warnings].map((w) => ({
      code: w.code,
      message: w.message,
      ...optional('layer', w.layer),
      ...optional('path', w.path),
    })),
    summary: { packages: catalogue.packages.length, vulnerabilities: counts },
    scannedAt: (result.scannedAt ?? new Date()).toISOString(),
    bosunVersion: result.bosunVersion,
  };
}

/** Orders findings by severity (most severe first), package name, installed version and advisory id. */
export function compareFindings(a: Finding, b: Finding): number {
  return (
    severityRank(b.severity) - severityRank(a.severity) ||
    compareText(a.package.name, b.package.name) ||
    compareText(a.package.version, b.package.version) ||
    compareText(a.id, b.id) ||
    compareText(a.package.layer, b.package.layer)
  );
}

function reportImage(image: SbomImage): ReportImage {
  return {
    ...optional('reference', image.reference),
    ...optional('digest', image.manifestDigest),
    configDigest: image.configDigest,
    diffIds: [...image.diffIds],
    ...optional('platform', image.platform),
  };
}

function reportPackage(pkg: Package, ecosystem: string | null): ReportPackage {
  return {
    name: pkg.name,
    version: pkg.version,
    ecosystem,
    type: pkg.type,
    purl: pkg.purl,
    ...optional('arch', pkg.arch),
    ...optional('sourceName', pkg.sourceName),
    ...optional('sourceVersion', pkg.sourceVersion),
    ...(pkg.licenses && pkg.licenses.length > 0 ? { licenses: [...pkg.licenses] } : {}),
    layer: pkg.layer,
    foundIn: pkg.foundIn,
  };
}

/** Returns `{ [key]: value }`, or nothing when the value is unset, so JSON output has no `undefined` keys. */
function optional<K extends string>(key: K, value: string | undefined): Partial<Record<K, string>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, string>);
}
