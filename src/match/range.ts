import { eventOf, type OsvEventKind, type OsvRange } from '../advisory/index.js';

/** Compares two versions of one ecosystem; negative, zero or positive. */
export type Compare = (a: string, b: string) => number;

/** The outcome for an affected version: the fix to report and the reason. */
export interface AffectedVerdict {
  /** The smallest `fixed` event above the version, if any. */
  fixedVersion: string | undefined;
  /** A phrase for the reason: `is in the ECOSYSTEM range introduced 0, fixed 1.2-3`. */
  explanation: string;
}

interface Event {
  kind: OsvEventKind;
  version: string;
}

/** Range types whose events are versions of the package's ecosystem. GIT ranges name commits. */
const VERSION_RANGE_TYPES = new Set(['ECOSYSTEM', 'SEMVER']);

/**
 * Decides whether one affected entry covers `version`, by the OSV rules: the version is listed
 * in `versions`, or it falls inside any SEMVER or ECOSYSTEM range. GIT ranges are ignored; a
 * record that has only GIT ranges matches through its `versions` list alone. Returns undefined
 * when the version is not affected.
 */
export function evaluateEntry(ranges: OsvRange[], versions: readonly string[] | ReadonlySet<string>, version: string, compare: Compare): AffectedVerdict | undefined {
  const listed = 'has' in versions ? versions.has(version) : versions.includes(version);
  const versionRanges = ranges.filter((range) => VERSION_RANGE_TYPES.has(range.type));

  let best: AffectedVerdict | undefined;
  for (const range of versionRanges) {
    const verdict = evaluateRange(range, version, compare);
    if (verdict && (!best || isSmallerFix(verdict.fixedVersion, best.fixedVersion, compare))) best = verdict;
  }
  if (best) return best;
  if (!listed) return undefined;

  // Listed, but no range covers it: still report a fix if a range names one above the version.
  const fixedVersion = smallestFixAbove(versionRanges.flatMap((range) => range.events.map(eventOf)), version, compare);
  return { fixedVersion, explanation: "is listed in the advisory's affected versions" };
}

/**
 * Evaluates one range as the OSV schema's algorithm does. A version at or above a `limit` is
 * never affected. Otherwise the events are walked in version order: an `introduced` at or below
 * the version opens the range, and a `fixed` at or below it or a `last_affected` below it closes it.
 */
export function evaluateRange(range: OsvRange, version: string, compare: Compare): AffectedVerdict | undefined {
  const events = range.events.map(eventOf);
  const limits = events.filter((event) => event.kind === 'limit' && event.version !== '*');
  if (limits.length > 0 && !limits.some((limit) => compare(version, limit.version) < 0)) return undefined;

  const sorted = sortEvents(events.filter((event) => event.kind !== 'limit'), compare);
  let introduced: string | undefined;
  for (const event of sorted) {
    if (event.kind === 'introduced' && (event.version === '0' || compare(version, event.version) >= 0)) introduced = event.version;
    else if (event.kind === 'fixed' && compare(version, event.version) >= 0) introduced = undefined;
    else if (event.kind === 'last_affected' && compare(version, event.version) > 0) introduced = undefined;
  }
  if (introduced === undefined) return undefined;

  const fixedVersion = smallestFixAbove(sorted, version, compare);
  return { fixedVersion, explanation: describeRange(range.type, introduced, upperBound(sorted, version, compare)) };
}

/** Sorts events by version; `introduced: "0"` means before every version. */
function sortEvents(events: Event[], compare: Compare): Event[] {
  const isZero = (event: Event) => event.kind === 'introduced' && event.version === '0';
  return [...events].sort((a, b) => {
    if (isZero(a) || isZero(b)) return Number(isZero(b)) - Number(isZero(a));
    return compare(a.version, b.version);
  });
}

function smallestFixAbove(events: Event[], version: string, compare: Compare): string | undefined {
  let smallest: string | undefined;
  for (const event of events) {
    if (event.kind !== 'fixed' || compare(event.version, version) <= 0) continue;
    if (smallest === undefined || compare(event.version, smallest) < 0) smallest = event.version;
  }
  return smallest;
}

/** The event that ends the open interval the version is in: the first fixed above it, or last_affected at or above it. */
function upperBound(sorted: Event[], version: string, compare: Compare): Event | undefined {
  return sorted.find(
    (event) =>
      (event.kind === 'fixed' && compare(event.version, version) > 0) ||
      (event.kind === 'last_affected' && compare(event.version, version) >= 0),
  );
}

function describeRange(type: string, introduced: string, end: Event | undefined): string {
  const upper = end ? `${end.kind === 'fixed' ? 'fixed' : 'last affected'} ${end.version}` : 'with no fix';
  return `is in the ${type} range introduced ${introduced}, ${upper}`;
}

function isSmallerFix(candidate: string | undefined, current: string | undefined, compare: Compare): boolean {
  if (candidate === undefined) return false;
  return current === undefined || compare(candidate, current) < 0;
}
