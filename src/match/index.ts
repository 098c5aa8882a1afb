export { matchPackages, matchAgainst, matchReport, loadAdvisoryIndex, type MatchOptions, type MatchReport } from './match.js';
export { AdvisoryIndex, type IndexedEntry } from './advisory-index.js';
export { evaluateEntry, evaluateRange, type AffectedVerdict, type Compare } from './range.js';
export type { Finding, FindingPackage, FindingState } from './types.js';
