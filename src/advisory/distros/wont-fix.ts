import type { AffectedSpecific, UnfixedState } from './types.js';

/**
 * Debian urgencies that mean the security team will not fix the issue in a stable release:
 * `unimportant` (no security impact in Debian's build) and `end-of-life` (the package is no
 * longer supported in that release). osv.dev writes the urgency to
 * `affected[].ecosystem_specific.urgency` of DEBIAN-CVE records.
 */
const WONT_FIX_URGENCIES = new Set(['unimportant', 'end-of-life']);

/** Tracker statuses, in any feed that carries one, that mean no fix will come. */
const WONT_FIX_STATUSES = new Set(['ignored', 'end-of-life', "won't fix", 'wont-fix', 'wontfix', 'will_not_fix', 'will not fix']);

/**
 * Decides `wont-fix` from the Debian security tracker's markers, wherever a feed put them: an
 * urgency above, a `nodsa`/`no-dsa` note (minor issue, no advisory planned for stable), or a
 * status above. Anything else without a fix is `unfixed`.
 */
export function debianWontFix(specific: AffectedSpecific): UnfixedState {
  for (const source of [specific.ecosystemSpecific, specific.databaseSpecific]) {
    if (isMarked(source)) return 'wont-fix';
  }
  return 'unfixed';
}

/**
 * Ubuntu's OSV export lists `ignored` and `needed` alike as affected without a fix, so only an
 * explicit status marks `wont-fix`.
 */
export function statusWontFix(specific: AffectedSpecific): UnfixedState {
  for (const source of [specific.ecosystemSpecific, specific.databaseSpecific]) {
    if (hasWontFixStatus(source)) return 'wont-fix';
  }
  return 'unfixed';
}

function isMarked(source: Record<string, unknown>): boolean {
  const urgency = source['urgency'];
  if (typeof urgency === 'string' && WONT_FIX_URGENCIES.has(urgency.toLowerCase().replace(/\*+$/, ''))) return true;
  if (source['nodsa'] !== undefined || source['no-dsa'] !== undefined || source['no_dsa'] !== undefined) return true;
  return hasWontFixStatus(source);
}

function hasWontFixStatus(source: Record<string, unknown>): boolean {
  const status = source['status'];
  return typeof status === 'string' && WONT_FIX_STATUSES.has(status.toLowerCase());
}
