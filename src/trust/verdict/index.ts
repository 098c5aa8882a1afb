/**
 * Trust verdicts: the state of build sources against their approvals, and the judgement of an
 * image's chain against the policy.
 */
export { judgeChain, type SourceChecker, type SourceSummary, type Verdict, type VerdictKind } from './judge.js';
export { addKnownImage, openTrustSession, type EvaluateOptions, type TrustSession } from './evaluate.js';
export { approveSource, auditSource, checkSource, resolveBuildSource, type AuditReport, type AuditStage, type BuildSource, type SourceStatus } from './source.js';
export { renderAudit, renderVerdict, sanitiseTerminalText } from './render.js';
