export { importAdvisories, type ImportOptions, type ImportResult, type SkippedFile } from './import.js';
export { updateAdvisories, DEFAULT_OSV_BASE_URL, type UpdateOptions, type EcosystemUpdate } from './update.js';
export { advisoryStatus, type AdvisoryStatus, type EcosystemStatus, type SourceStatus } from './status.js';
export { parseOsvRecord, eventOf, OSV_LIMITS, type OsvRecord, type OsvAffected, type OsvRange, type OsvEvent, type OsvEventKind, type OsvSeverity } from './osv.js';
export { scoreRecord, scoreSeverityList, scoreVector, mapQualitative, SEVERITY_ORDER, type SeverityLevel, type SeverityScore } from './severity.js';
export {
  ecosystemsForOs,
  ecosystemForPurlType,
  queryForPackage,
  splitEcosystem,
  releaseApplies,
  unfixedState,
  normalizePackageName,
  type EcosystemName,
  type PackageQuery,
} from './ecosystem.js';
export { DISTROS, type DistroRule, type AffectedSpecific, type UnfixedState } from './distros/index.js';
export { LANGUAGES, type LanguageRule } from './languages.js';
export { advisoryInfo, affectedEntries, aliasesOf } from './records.js';
export { loadAffectedEntries } from './store.js';
export { DEFAULT_READ_LIMITS, type ReadLimits } from './read.js';
export type { AdvisoryInfo, AffectedEntry, AffectedKey } from './types.js';
