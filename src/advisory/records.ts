import { normalizePackageName, splitEcosystem } from './ecosystem.js';
import type { OsvAffected, OsvRecord } from './osv.js';
import { scoreRecord, scoreSeverityList } from './severity.js';
import type { AdvisoryInfo, AffectedEntry } from './types.js';

/** Builds the advisory summary a finding shows. */
export function advisoryInfo(record: OsvRecord): AdvisoryInfo {
  const score = scoreRecord(record);
  return {
    id: record.id,
    aliases: aliasesOf(record),
    summary: record.summary ?? undefined,
    severity: score.severity,
    score: score.score,
    withdrawn: record.withdrawn !== undefined && record.withdrawn !== null,
  };
}

/**
 * Returns the IDs a record is known by besides its own: `aliases` plus `upstream`, because Ubuntu
 * and Debian name the CVE a record derives from only in `upstream`. `related` is left out since
 * it points at different vulnerabilities.
 */
export function aliasesOf(record: OsvRecord): string[] {
  return [...new Set([...record.aliases, ...record.upstream])].filter((alias) => alias !== record.id);
}

/** Splits a record into its matchable affected entries. Entries without a package are dropped. */
export function affectedEntries(record: OsvRecord, info: AdvisoryInfo = advisoryInfo(record)): AffectedEntry[] {
  const entries: AffectedEntry[] = [];
  for (const affected of record.affected) {
    const entry = affectedEntry(info, affected);
    if (entry) entries.push(entry);
  }
  return entries;
}

function affectedEntry(advisory: AdvisoryInfo, affected: OsvAffected): AffectedEntry | undefined {
  if (!affected.package) return undefined;
  const { base, release } = splitEcosystem(affected.package.ecosystem);
  const ownSeverity = scoreSeverityList(affected.severity);
  return {
    advisory,
    ecosystem: affected.package.ecosystem,
    base,
    release,
    packageName: normalizePackageName(base, affected.package.name),
    ranges: affected.ranges,
    versions: affected.versions,
    specific: { ecosystemSpecific: affected.ecosystem_specific, databaseSpecific: affected.database_specific },
    severity: ownSeverity.severity === 'unknown' ? undefined : ownSeverity,
  };
}
