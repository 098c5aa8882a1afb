import { queryForPackage } from '../advisory/index.js';
import type { SbomImage } from '../catalog/sbom/types.js';
import type { OsInfo, Package } from '../catalog/types.js';
import type { OpenedImage } from '../image/types.js';
import type { Finding as MatchFinding } from '../match/index.js';
import type { Finding as ReportFinding } from '../report/types.js';

/** Describes an opened image for the SBOM writers and the report. */
export function sbomImage(image: OpenedImage): SbomImage {
  const { config } = image;
  const platform = [config.os, config.architecture, config.variant].filter(Boolean).join('/');
  return {
    target: image.target,
    reference: image.reference,
    manifestDigest: image.manifestDigest,
    configDigest: image.configDigest,
    diffIds: image.layers.map((layer) => layer.diffId),
    platform: platform || undefined,
  };
}

/**
 * The OSV ecosystem a package is matched in (`Debian:12`, `npm`), or null when no advisory
 * source covers it, for example a deb on an image whose OS was not detected.
 */
export function ecosystemOf(pkg: Package, os: OsInfo | undefined): string | null {
  const query = queryForPackage(os, pkg);
  if (!query) return null;
  return query.release ? `${query.base}:${query.release}` : query.base;
}

/** Converts a matcher finding to the report's documented shape. */
export function reportFinding(finding: MatchFinding): ReportFinding {
  const { package: pkg } = finding;
  return {
    id: finding.advisoryId,
    aliases: finding.aliases,
    ...(finding.summary === undefined ? {} : { summary: finding.summary }),
    // CVSS rates a 0.0 base score `none`; the report has no such level, and the advisory still names a flaw.
    severity: finding.severity === 'none' ? 'low' : finding.severity,
    ...(finding.score === undefined ? {} : { score: finding.score }),
    package: {
      name: pkg.name,
      version: pkg.version,
      ecosystem: pkg.ecosystem,
      purl: pkg.purl,
      ...(pkg.source ? { sourceName: pkg.source.name } : {}),
      layer: pkg.layer,
    },
    ...(finding.fixedVersion === undefined ? {} : { fixedVersion: finding.fixedVersion }),
    state: finding.state,
    reason: finding.reason,
  };
}
