import cvss from 'ae-cvss-calculator';
import type { OsvRecord, OsvSeverity } from './osv.js';

/** Qualitative severity, in the CVSS v3 rating bands. `none` is a CVSS base score of 0.0. */
export type SeverityLevel = 'critical' | 'high' | 'medium' | 'low' | 'none' | 'unknown';

/** Severity levels from most to least severe, for sorting. */
export const SEVERITY_ORDER: readonly SeverityLevel[] = ['critical', 'high', 'medium', 'low', 'none', 'unknown'];

/** A severity and where it came from. */
export interface SeverityScore {
  severity: SeverityLevel;
  /** The CVSS base score, when the severity came from a CVSS vector. */
  score: number | undefined;
  /** `CVSS_V3`, `CVSS_V4`, `CVSS_V2`, `Ubuntu`, `database_specific.severity`, `summary`, or `none`. */
  source: string;
}

const UNKNOWN: SeverityScore = { severity: 'unknown', score: undefined, source: 'none' };

/**
 * Scores an OSV record. The record's own `severity[]` comes first, then the most severe
 * `affected[].severity[]`, then the feed's qualitative rating (`database_specific.severity`, a
 * Debian `urgency`, a Red Hat style `Important:` summary prefix), else `unknown`.
 */
export function scoreRecord(record: OsvRecord): SeverityScore {
  const own = scoreSeverityList(record.severity);
  if (own.severity !== 'unknown') return own;

  const fromAffected = maxSeverity(record.affected.map((entry) => scoreSeverityList(entry.severity)));
  if (fromAffected.severity !== 'unknown') return fromAffected;

  const qualitative = [record.database_specific, ...record.affected.flatMap((a) => [a.database_specific, a.ecosystem_specific])]
    .map(scoreDatabaseSpecific)
    .filter((score) => score.severity !== 'unknown');
  if (qualitative.length > 0) return maxSeverity(qualitative);

  return scoreSummaryPrefix(record.summary ?? undefined);
}

/**
 * Scores a `severity[]` list. CVSS v3 wins over v4 because most feeds publish v3 and findings
 * then compare on one scale; v2 and the Ubuntu priority are the fallbacks.
 */
export function scoreSeverityList(entries: OsvSeverity[]): SeverityScore {
  const byType = (type: string) => entries.filter((entry) => entry.type === type);

  for (const type of ['CVSS_V3', 'CVSS_V4', 'CVSS_V2']) {
    const scores = byType(type)
      .map((entry) => scoreVector(entry.score))
      .filter((score): score is SeverityScore => score !== undefined);
    if (scores.length > 0) return maxSeverity(scores);
  }

  const ubuntu = byType('Ubuntu')
    .map((entry) => ({ severity: mapQualitative(entry.score), score: undefined, source: 'Ubuntu' }))
    .filter((score) => score.severity !== 'unknown');
  return ubuntu.length > 0 ? maxSeverity(ubuntu) : UNKNOWN;
}

/**
 * Computes the base score of a CVSS vector: `CVSS:3.0/…`, `CVSS:3.1/…`, `CVSS:4.0/…` or a bare
 * v2 vector (`AV:N/AC:L/Au:N/…`). Returns undefined for a vector that is malformed or lacks a
 * base metric. Some feeds write a bare number instead of a vector; that is read as a v3 score.
 */
export function scoreVector(vector: string): SeverityScore | undefined {
  const trimmed = vector.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return fromNumber(Number(trimmed), 'CVSS_V3');

  const calculator = calculatorFor(trimmed);
  if (!calculator) return undefined;
  try {
    const vectorObject = new calculator.Class(trimmed);
    if (!vectorObject.isBaseFullyDefined()) return undefined;
    const base = vectorObject.calculateScores().base;
    return base === undefined ? undefined : fromNumber(base, calculator.source);
  } catch {
    // The calculator throws on unknown metrics; a malformed vector is simply not a score.
    return undefined;
  }
}

function calculatorFor(vector: string) {
  if (vector.startsWith('CVSS:3.1/')) return { Class: cvss.Cvss3P1, source: 'CVSS_V3' };
  if (vector.startsWith('CVSS:3.0/')) return { Class: cvss.Cvss3P0, source: 'CVSS_V3' };
  if (vector.startsWith('CVSS:4.0/')) return { Class: cvss.Cvss4P0, source: 'CVSS_V4' };
  if (/^AV:[LAN]\/AC:/.test(vector)) return { Class: cvss.Cvss2, source: 'CVSS_V2' };
  return undefined;
}

/**
 * Maps a base score to its rating. The v3.1 and v4.0 bands are the same; v2 has no Critical or
 * None band, so a v2 score of 9.0 or more rates High.
 */
function fromNumber(score: number, source: string): SeverityScore | undefined {
  if (!Number.isFinite(score) || score < 0 || score > 10) return undefined;
  return { severity: ratingOf(score, source === 'CVSS_V2'), score, source };
}

function ratingOf(score: number, isV2: boolean): SeverityLevel {
  if (score >= 9 && !isV2) return 'critical';
  if (score >= 7) return 'high';
  if (score >= 4) return 'medium';
  if (score > 0 || isV2) return 'low';
  return 'none';
}

/**
 * Maps a feed's qualitative rating to a level: GHSA `LOW`/`MODERATE`/`HIGH`/`CRITICAL`, Red Hat
 * and AlmaLinux `Low`/`Moderate`/`Important`/`Critical`, Debian urgencies (`low`, `medium`,
 * `high`, `unimportant`, `not yet assigned`) and Ubuntu priorities (`negligible` … `critical`).
 */
export function mapQualitative(value: unknown): SeverityLevel {
  if (typeof value !== 'string') return 'unknown';
  // Debian marks urgencies it derived from another source with `**`, for example `medium**`.
  const word = value.trim().toLowerCase().replace(/\*+$/, '');
  switch (word) {
    case 'critical':
      return 'critical';
    case 'high':
    case 'important':
      return 'high';
    case 'medium':
    case 'moderate':
      return 'medium';
    case 'low':
    case 'negligible':
    case 'unimportant':
      return 'low';
    default:
      return 'unknown';
  }
}

function scoreDatabaseSpecific(specific: Record<string, unknown>): SeverityScore {
  for (const key of ['severity', 'urgency']) {
    const severity = mapQualitative(specific[key]);
    if (severity !== 'unknown') return { severity, score: undefined, source: `database_specific.${key}` };
  }
  return UNKNOWN;
}

/** Red Hat, AlmaLinux and Rocky Linux errata carry their rating only as a summary prefix. */
function scoreSummaryPrefix(summary: string | undefined): SeverityScore {
  const match = summary ? /^(Low|Moderate|Important|Critical):/.exec(summary) : null;
  if (!match) return UNKNOWN;
  return { severity: mapQualitative(match[1]), score: undefined, source: 'summary' };
}

function maxSeverity(scores: SeverityScore[]): SeverityScore {
  let best = UNKNOWN;
  for (const candidate of scores) {
    const rank = SEVERITY_ORDER.indexOf(candidate.severity);
    const bestRank = SEVERITY_ORDER.indexOf(best.severity);
    if (rank < bestRank || (rank === bestRank && (candidate.score ?? -1) > (best.score ?? -1))) best = candidate;
  }
  return best;
}
