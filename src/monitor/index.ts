/**
 * The monitor: keeps the container inventory of every engine current, scans new images through
 * a durable job queue, syncs advisories on a schedule and re-matches stored images, turns
 * finding and inventory changes into notices, and delivers them. It also runs fleet queries
 * (`wherePackage`) and applies ignore rules and OpenVEX statements to findings.
 */
export { Monitor } from './monitor.js';
export { Inventory, manifestDigestOf, type InventoryOptions, type InventoryChange, type InventoryImage } from './inventory.js';
export { ScanQueue, enqueueScan, recoverJobs, type ScanFinished, type ScanJobPayload, type ScanQueueOptions } from './queue.js';
export { rematchImages, type RematchOptions } from './rematch.js';
export {
  noticeId,
  createNotice,
  imageUnusedNotices,
  vulnerabilityNewNotice,
  vulnerabilityFixedNotice,
  imageUnusedNotice,
  verdictChangedNotice,
  type NewNotice,
  type ImageUser,
} from './notices.js';
export { Dispatcher, DEFAULT_DELIVERY, type DispatcherOptions, type DispatchOutcome } from './dispatch.js';
export {
  addIgnoreRule,
  listIgnoreRules,
  removeIgnoreRule,
  importVex,
  loadIgnoreRules,
  applyIgnoreRules,
  ruleMatches,
  listFindings,
  parseVex,
  type IgnoreRule,
  type IgnoreRuleInput,
  type RuleSubject,
  type VexDocument,
  type VexImportResult,
  type FindingView,
  type ListFindingsOptions,
} from './ignore.js';
export {
  wherePackage,
  parseVersionRange,
  inRange,
  type WhereQuery,
  type WhereResult,
  type WhereImage,
  type WherePackage,
  type WhereContainer,
  type VersionRange,
  type VersionBound,
} from './where.js';
export { runSync, type RunSyncOptions } from './sync.js';
export { refreshVerdicts, type RefreshVerdictsOptions, type VerdictOutcome } from './verdicts.js';
export type * from './types.js';
