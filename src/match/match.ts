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
    for (const [entry, verdict] of affectingEntries(index, query, scheme)) {
      keepBest(findings, findingFor(entry, verdict, pkg, query), scheme);
    }
  }

  log.debug({ packages: packages.length, findings: findings.size, unplaced }, 'packages matched');
  return { findings: [...findings.values()], warnings: unplacedWarnings(os, packages, unplaced) };
}

/**
 * The index entries that affect one queried package version, with their verdicts, memoised on
 * the index: re-matching a fleet queries the same package versions once per image that ships
 * them. The index empties its memo when an entry is added, and a sync builds a new index.
 */
function affectingEntries(index: AdvisoryIndex, query: PackageQuery, scheme: VersionScheme): Array<[IndexedEntry, AffectedVerdict]> {
  const key = `affecting\u0000${scheme.name}\u0000${query.base}\u0000${query.release ?? ''}\u0000${query.name}\u0000${query.version}`;
  const cached = index.memo.get(key) as Array<[IndexedEntry, AffectedVerdict]> | undefined;
  if (cached) return cached;

  const entries: Array<[IndexedEntry, AffectedVerdict]> = [];
  for (const entry of index.lookup(query.base, query.name)) {
    if (entry.advisory.withdrawn) continue;
    if (!releaseApplies(entry.base, entry.release, query.release)) continue;
    const verdict = evaluateEntry(entry.ranges, entry.versionSet, query.version, (a, b) => scheme.compare(a, b));
    if (verdict) entries.push([entry, verdict]);
  }
  index.memo.set(key, entries);
  return entries;
}

function findingFor(entry: IndexedEntry, verdict: AffectedVerdict, pkg: Package, query: PackageQuery): Finding {
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
