import {
  loadAffectedEntries,
  queryForPackage,
  releaseApplies,
  unfixedState,
  type AffectedKey,
  type PackageQuery,
} from '../advisory/index.js';
import type { OsInfo, Package } from '../catalog/types.js';
import type { Warning } from '../common/errors.js';
import { logger } from '../common/log.js';
import type { Store } from '../store/index.js';
import { schemeForEcosystem, type VersionScheme } from '../versioning/index.js';
import { AdvisoryIndex, type IndexedEntry } from './advisory-index.js';
import { evaluateEntry, type AffectedVerdict } from './range.js';
import type { Finding, FindingState } from './types.js';

const log = logger('match');

export interface MatchOptions {
  /** The version scheme per OSV ecosystem; default the versioning module's. */
  schemeFor?: (ecosystem: string) => VersionScheme;
}

/** Findings, and the packages that could not be checked. */
export interface MatchReport {
  findings: Finding[];
  warnings: Warning[];
}

/**
 * Matches installed packages against stored advisories. Reads only the affected rows for the
 * packages' ecosystems and names, in batches, then matches in memory.
 */
export async function matchPackages(store: Store, os: OsInfo | undefined, packages: Package[], options: MatchOptions = {}): Promise<Finding[]> {
  return matchAgainst(await loadAdvisoryIndex(store, os, packages), os, packages, options);
}

/** Loads the stored advisory entries that could affect these packages into an in-memory index. */
export async function loadAdvisoryIndex(store: Store, os: OsInfo | undefined, packages: Package[]): Promise<AdvisoryIndex> {
  const keys = new Map<string, AffectedKey>();
  for (const pkg of packages) {
    const query = queryForPackage(os, pkg);
    if (query) keys.set(`${query.base}\u0000${query.name}`, { base: query.base, name: query.name });
  }
  return AdvisoryIndex.fromEntries(await loadAffectedEntries(store, [...keys.values()]));
}

/** Matches packages against an in-memory index; no I/O. */
export function matchAgainst(index: AdvisoryIndex, os: OsInfo | undefined, packages: Package[], options: MatchOptions = {}): Finding[] {
  return matchReport(index, os, packages, options).findings;
}

/**
 * Matches packages against an in-memory index and also reports what could not be checked: OS
 * packages on an unsupported or undetected distribution. Findings are deduplicated per package
 * and advisory; when several entries match, the one with the smallest fix wins.
 */
export function matchReport(index: AdvisoryIndex, os: OsInfo | undefined, packages: Package[], options: MatchOptions = {}): MatchReport {
  const schemeFor = options.schemeFor ?? schemeForEcosystem;
  const findings = new Map<string, Finding>();
  let unplaced = 0;

  for (const pkg of packages) {
    const query = queryForPackage(os, pkg);
    if (!query) {
      unplaced += 1;
      continue;
    }
    const scheme = schemeFor(query.base);
    for (const entry of index.lookup(query.base, query.name)) {
      const finding = matchEntry(entry, pkg, query, scheme);
      if (finding) keepBest(findings, finding, scheme);
    }
  }

  log.debug({ packages: packages.length, findings: findings.size, unplaced }, 'packages matched');
  return { findings: [...findings.values()], warnings: unplacedWarnings(os, packages, unplaced) };
}

function matchEntry(entry: IndexedEntry, pkg: Package, query: PackageQuery, scheme: VersionScheme): Finding | undefined {
  if (entry.advisory.withdrawn) return undefined;
  if (!releaseApplies(entry.base, entry.release, query.release)) return undefined;

  const verdict = cachedVerdict(entry, query.version, scheme);
  if (!verdict) return undefined;

  const state: FindingState = verdict.fixedVersion !== undefined ? 'fixed-available' : unfixedState(entry.base, entry.specific);
  const severity = entry.severity ?? entry.advisory;
  return {
    advisoryId: entry.advisory.id,
    aliases: entry.advisory.aliases,
    summary: entry.advisory.summary,
    severity: severity.severity,
    score: severity.score,
    package: {
      name: pkg.name,
      version: pkg.version,
      ecosystem: entry.ecosystem,
      purl: pkg.purl,
      layer: pkg.layer,
      ...(query.viaSource && { source: { name: query.name, version: query.version } }),
    },
    fixedVersion: verdict.fixedVersion,
    state,
    reason: reasonFor(entry, pkg, query, verdict, state),
  };
}

/**
 * Range verdicts per index entry and installed version. Re-matching a fleet evaluates the same
 * entry against the same version once per image that ships it; the cache lives as long as the
 * index entry, so a new index (after a sync) starts empty.
 */
const verdicts = new WeakMap<IndexedEntry, Map<string, AffectedVerdict | null>>();

function cachedVerdict(entry: IndexedEntry, version: string, scheme: VersionScheme): AffectedVerdict | undefined {
  let byVersion = verdicts.get(entry);
  if (!byVersion) {
    byVersion = new Map();
    verdicts.set(entry, byVersion);
  }
  const key = `${scheme.name}\u0000${version}`;
  let verdict = byVersion.get(key);
  if (verdict === undefined) {
    verdict = evaluateEntry(entry.ranges, entry.versionSet, version, (a, b) => scheme.compare(a, b)) ?? null;
    byVersion.set(key, verdict);
  }
  return verdict ?? undefined;
}

function reasonFor(entry: IndexedEntry, pkg: Package, query: PackageQuery, verdict: AffectedVerdict, state: FindingState): string {
  const subject = query.viaSource
    ? `source package ${query.name} ${query.version} (installed as ${pkg.name} ${pkg.version})`
    : `${query.name} ${query.version}`;
  const suffix = state === 'wont-fix' ? `; ${entry.base} will not fix it in this release` : '';
  return `${subject} ${verdict.explanation} of ${entry.ecosystem}${suffix}`;
}

/** State preference when two entries of one advisory match one package. */
const STATE_RANK: Record<FindingState, number> = { 'fixed-available': 0, unfixed: 1, 'wont-fix': 2 };

function keepBest(findings: Map<string, Finding>, finding: Finding, scheme: VersionScheme): void {
  const key = `${finding.advisoryId}\u0000${finding.package.purl}\u0000${finding.package.layer}`;
  const current = findings.get(key);
  if (!current || isBetter(finding, current, scheme)) findings.set(key, finding);
}

function isBetter(candidate: Finding, current: Finding, scheme: VersionScheme): boolean {
  if (STATE_RANK[candidate.state] !== STATE_RANK[current.state]) return STATE_RANK[candidate.state] < STATE_RANK[current.state];
  if (candidate.fixedVersion === undefined || current.fixedVersion === undefined) return false;
  return scheme.compare(candidate.fixedVersion, current.fixedVersion) < 0;
}

function unplacedWarnings(os: OsInfo | undefined, packages: Package[], unplaced: number): Warning[] {
  if (unplaced === 0) return [];
  const osLabel = os ? `${os.id} ${os.version}` : 'an undetected OS';
  return [
    {
      code: 'match.unsupported',
      message: `${unplaced} of ${packages.length} packages were not checked: no advisory source covers their type on ${osLabel}`,
    },
  ];
}
