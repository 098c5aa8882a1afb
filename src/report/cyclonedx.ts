import * as CDX from '@cyclonedx/cyclonedx-library';
import type { DiffId, Digest } from '../common/digest.js';
import { buildCycloneDxBom, serializeCycloneDx } from '../catalog/sbom/cyclonedx.js';
import type { SbomImage } from '../catalog/sbom/types.js';
import type { Catalogue, Package } from '../catalog/types.js';
import { compareFindings } from './build.js';
import type { Finding, ScanReport, Severity } from './types.js';

/** Settings for the CycloneDX scan output. */
export interface CycloneDxScanOptions {
  /** The UUID in `serialNumber`. Defaults to a random one. */
  uuid?: string;
  /** Defaults to the report's `scannedAt`. */
  timestamp?: Date;
}

const OSV_SOURCE = 'OSV';

const CDX_SEVERITY: Record<Severity, CDX.Enums.Vulnerability.Severity> = {
  critical: CDX.Enums.Vulnerability.Severity.Critical,
  high: CDX.Enums.Vulnerability.Severity.High,
  medium: CDX.Enums.Vulnerability.Severity.Medium,
  low: CDX.Enums.Vulnerability.Severity.Low,
  unknown: CDX.Enums.Vulnerability.Severity.Unknown,
};

/**
 * Renders a scan report as CycloneDX 1.6 JSON for `scan --format cyclonedx`: the SBOM of the
 * image plus a `vulnerabilities` entry for each finding, which names the advisory, its rating,
 * the affected component and an analysis.
 */
export function renderCycloneDxScan(report: ScanReport, options: CycloneDxScanOptions = {}): string {
  const { bom, packages } = buildCycloneDxBom(catalogueOf(report), sbomImageOf(report), {
    toolVersion: report.bosunVersion,
    timestamp: options.timestamp ?? new Date(report.scannedAt),
    ...(options.uuid ? { uuid: options.uuid } : {}),
  });

  // A finding names its package by purl and layer, and may match several components
  // (the same package found in two files of one layer).
  const refsByPackage = new Map<string, CDX.Models.BomRef[]>();
  for (const { package: pkg, component } of packages) {
    const key = `${pkg.purl}|${pkg.layer}`;
    refsByPackage.set(key, [...(refsByPackage.get(key) ?? []), component.bomRef]);
  }

  for (const finding of [...report.vulnerabilities].sort(compareFindings)) {
    const refs = refsByPackage.get(`${finding.package.purl}|${finding.package.layer}`) ?? [];
    bom.vulnerabilities.add(makeVulnerability(finding, refs));
  }
  return serializeCycloneDx(bom);
}

/**
 * Builds one CycloneDX vulnerability. The analysis state is `in_triage`, because a version match
 * shows that a package is affected, but whether it is exploitable in this image has not been
 * assessed. The response names the remedy: `update` when a fix exists, `will_not_fix`
 * when the distribution declined to fix it.
 */
function makeVulnerability(finding: Finding, refs: CDX.Models.BomRef[]): CDX.Models.Vulnerability.Vulnerability {
  const vulnerability = new CDX.Models.Vulnerability.Vulnerability({
    bomRef: `vulnerability|${finding.id}|${refs[0]?.value ?? finding.package.purl}`,
    id: finding.id,
    source: osvSource(finding.id),
    ...(finding.summary ? { description: finding.summary } : {}),
    detail: finding.reason,
    ...(finding.fixedVersion ? { recommendation: `Upgrade ${finding.package.name} to ${finding.fixedVersion} or later.` } : {}),
  });

  for (const alias of [...new Set(finding.aliases)].sort()) {
    vulnerability.references.add(new CDX.Models.Vulnerability.Reference(alias, osvSource(alias)));
  }
  vulnerability.ratings.add(
    new CDX.Models.Vulnerability.Rating({
      severity: CDX_SEVERITY[finding.severity],
      ...(finding.score !== undefined ? { score: finding.score } : {}),
      method: ratingMethod(finding.vector),
      ...(finding.vector ? { vector: finding.vector } : {}),
      source: osvSource(finding.id),
    }),
  );
  for (const ref of refs) {
    const affect = new CDX.Models.Vulnerability.Affect(ref);
    affect.versions.add(
      new CDX.Models.Vulnerability.AffectedSingleVersion(finding.package.version, { status: CDX.Enums.Vulnerability.AffectStatus.Affected }),
    );
    vulnerability.affects.add(affect);
  }
  vulnerability.analysis = new CDX.Models.Vulnerability.Analysis({ state: CDX.Enums.Vulnerability.AnalysisState.InTriage });
  if (finding.state === 'fixed-available') vulnerability.analysis.response.add(CDX.Enums.Vulnerability.AnalysisResponse.Update);
  if (finding.state === 'wont-fix') vulnerability.analysis.response.add(CDX.Enums.Vulnerability.AnalysisResponse.WillNotFix);
  return vulnerability;
}

function osvSource(id: string): CDX.Models.Vulnerability.Source {
  return new CDX.Models.Vulnerability.Source({ name: OSV_SOURCE, url: new URL(`https://osv.dev/vulnerability/${encodeURIComponent(id)}`) });
}

/** Reads the CVSS version from the vector prefix. CVSS v2 vectors have no prefix, so their metrics identify them. */
export function ratingMethod(vector: string | undefined): CDX.Enums.Vulnerability.RatingMethod {
  const methods = CDX.Enums.Vulnerability.RatingMethod;
  if (!vector) return methods.Other;
  if (vector.startsWith('CVSS:4.0/')) return methods.CVSSv4;
  if (vector.startsWith('CVSS:3.1/')) return methods.CVSSv31;
  if (vector.startsWith('CVSS:3.0/')) return methods.CVSSv3;
  if (/^\(?AV:[LAN]\/AC:[HML]\/Au:[MSN]\//.test(vector)) return methods.CVSSv2;
  return methods.Other;
}

function catalogueOf(report: ScanReport): Catalogue {
  const packages: Package[] = report.packages.map((p) => ({
    name: p.name,
    version: p.version,
    type: p.type,
    purl: p.purl,
    layer: p.layer as DiffId,
    foundIn: p.foundIn,
    ...(p.arch ? { arch: p.arch } : {}),
    ...(p.sourceName ? { sourceName: p.sourceName } : {}),
    ...(p.sourceVersion ? { sourceVersion: p.sourceVersion } : {}),
    ...(p.licenses ? { licenses: p.licenses } : {}),
  }));
  const os = report.os ? { ...report.os, source: '' } : undefined;
  return { ...(os ? { os } : {}), packages, warnings: [] };
}

function sbomImageOf(report: ScanReport): SbomImage {
  const { image } = report;
  return {
    target: report.target,
    ...(image.reference ? { reference: image.reference } : {}),
    ...(image.digest ? { manifestDigest: image.digest as Digest } : {}),
    configDigest: image.configDigest as Digest,
    diffIds: image.diffIds as DiffId[],
    ...(image.platform ? { platform: image.platform } : {}),
  };
}
