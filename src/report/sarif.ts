import { createHash } from 'node:crypto';
import { compareText } from '../catalog/sbom/refs.js';
import { compareFindings } from './build.js';
import { severityRank } from './severity.js';
import type { Finding, ReportPackage, ScanReport, Severity } from './types.js';

/** The SARIF 2.1.0 JSON schema URI, as published by OASIS (errata 01). */
export const SARIF_SCHEMA = 'https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json';

export type SarifLevel = 'error' | 'warning' | 'note' | 'none';

/** The subset of SARIF 2.1.0 that Bosun writes. */
export interface SarifLog {
  $schema: string;
  version: '2.1.0';
  runs: SarifRun[];
}

export interface SarifRun {
  tool: { driver: { name: 'bosun'; version: string; rules: SarifRule[] } };
  results: SarifResult[];
  properties: Record<string, unknown>;
}

export interface SarifRule {
  id: string;
  shortDescription: { text: string };
  helpUri: string;
  help: { text: string };
  defaultConfiguration: { level: SarifLevel };
  properties: { tags: string[]; 'security-severity'?: string };
}

export interface SarifResult {
  ruleId: string;
  ruleIndex: number;
  level: SarifLevel;
  message: { text: string };
  locations: Array<{
    physicalLocation?: { artifactLocation: { uri: string } };
    logicalLocations: Array<{ name: string; fullyQualifiedName: string; kind: 'module' }>;
  }>;
  partialFingerprints: Record<string, string>;
  properties: Record<string, unknown>;
}

const LEVELS: Record<Severity, SarifLevel> = {
  critical: 'error',
  high: 'error',
  medium: 'warning',
  low: 'note',
  unknown: 'warning',
};

/** Maps a severity to a SARIF level. Unknown severities are warnings, so they are not hidden among notes. */
export function sarifLevel(severity: Severity): SarifLevel {
  return LEVELS[severity];
}

/**
 * Builds a SARIF 2.1.0 log with one run: a rule for each advisory id and a result for each
 * finding. A result points at the file its package was read from (`foundIn`) and names the
 * package as a logical location. `security-severity` carries the highest CVSS score seen for
 * the advisory, the property GitHub code scanning ranks alerts by.
 */
export function buildSarif(report: ScanReport): SarifLog {
  const findings = [...report.vulnerabilities].sort(compareFindings);
  const rules = buildRules(findings);
  const ruleIndex = new Map(rules.map((rule, i) => [rule.id, i]));
  const foundIn = foundInIndex(report.packages);

  const results = findings.map((finding) => buildResult(finding, ruleIndex.get(finding.id) ?? -1, foundIn));
  return {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'bosun', version: report.bosunVersion, rules } },
        results,
        properties: {
          target: report.target,
          ...(report.image.reference ? { imageReference: report.image.reference } : {}),
          ...(report.image.digest ? { imageDigest: report.image.digest } : {}),
          configDigest: report.image.configDigest,
          scannedAt: report.scannedAt,
        },
      },
    ],
  };
}

/** Renders the SARIF log as JSON with a trailing newline. */
export function renderSarif(report: ScanReport): string {
  return `${JSON.stringify(buildSarif(report), null, 2)}\n`;
}

function buildRules(findings: Finding[]): SarifRule[] {
  const byId = new Map<string, Finding[]>();
  for (const finding of findings) byId.set(finding.id, [...(byId.get(finding.id) ?? []), finding]);

  return [...byId.entries()]
    .sort(([a], [b]) => compareText(a, b))
    .map(([id, group]) => {
      const worst = group.reduce((a, b) => (severityRank(b.severity) > severityRank(a.severity) ? b : a));
      const scores = group.map((f) => f.score).filter((s): s is number => s !== undefined);
      const summary = group.find((f) => f.summary)?.summary;
      return {
        id,
        shortDescription: { text: summary ?? id },
        helpUri: advisoryUrl(id),
        help: { text: helpText(id, worst, group) },
        defaultConfiguration: { level: sarifLevel(worst.severity) },
        properties: {
          tags: ['security', 'vulnerability', worst.severity],
          ...(scores.length > 0 ? { 'security-severity': Math.max(...scores).toFixed(1) } : {}),
        },
      };
    });
}

function helpText(id: string, worst: Finding, group: Finding[]): string {
  const aliases = [...new Set(group.flatMap((f) => f.aliases))].sort(compareText);
  const aliasText = aliases.length > 0 ? ` Also known as ${aliases.join(', ')}.` : '';
  return `${id} (${worst.severity}).${aliasText} Details: ${advisoryUrl(id)}`;
}

function buildResult(finding: Finding, ruleIndex: number, foundIn: Map<string, string>): SarifResult {
  const pkg = finding.package;
  const path = foundIn.get(packageKey(pkg.purl, pkg.layer));
  return {
    ruleId: finding.id,
    ruleIndex,
    level: sarifLevel(finding.severity),
    message: { text: resultMessage(finding) },
    locations: [
      {
        ...(path ? { physicalLocation: { artifactLocation: { uri: pathToUri(path) } } } : {}),
        logicalLocations: [{ name: pkg.name, fullyQualifiedName: pkg.purl || pkg.name, kind: 'module' }],
      },
    ],
    // The fingerprint leaves out the version, so an alert stays open while an upgrade leaves the package vulnerable.
    partialFingerprints: { 'bosunFinding/v1': fingerprint([finding.id, pkg.name, pkg.ecosystem ?? '', path ?? '']) },
    properties: {
      severity: finding.severity,
      ...(finding.score !== undefined ? { score: finding.score } : {}),
      state: finding.state,
      installedVersion: pkg.version,
      ...(finding.fixedVersion ? { fixedVersion: finding.fixedVersion } : {}),
      purl: pkg.purl,
      ecosystem: pkg.ecosystem,
      layer: pkg.layer,
      aliases: finding.aliases,
      reason: finding.reason,
    },
  };
}

function resultMessage(finding: Finding): string {
  const pkg = finding.package;
  const summary = finding.summary ? `: ${finding.summary}` : '';
  let remedy = 'No fixed version is available yet.';
  if (finding.fixedVersion) remedy = `Fixed in ${finding.fixedVersion}.`;
  else if (finding.state === 'wont-fix') remedy = 'The distribution will not fix it.';
  return `${pkg.name} ${pkg.version} is affected by ${finding.id} (${finding.severity})${summary}. ${remedy}`;
}

/** Returns the osv.dev page of an advisory. Advisories come from OSV data, so osv.dev has a page for each id. */
function advisoryUrl(id: string): string {
  return `https://osv.dev/vulnerability/${encodeURIComponent(id)}`;
}

function foundInIndex(packages: ReportPackage[]): Map<string, string> {
  const index = new Map<string, string>();
  for (const pkg of packages) {
    const key = packageKey(pkg.purl, pkg.layer);
    if (!index.has(key)) index.set(key, pkg.foundIn);
  }
  return index;
}

function packageKey(purl: string, layer: string): string {
  return `${purl}|${layer}`;
}

/** Turns an image path (`usr/lib/node_modules/x/package.json`) into a relative URI reference. */
function pathToUri(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}

function fingerprint(parts: string[]): string {
  return createHash('sha256').update(parts.join('\u0000')).digest('hex');
}
