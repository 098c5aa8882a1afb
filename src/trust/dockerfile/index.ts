/**
 * Dockerfile parsing, BuildKit stage resolution and audit findings.
 *
 * `analyseDockerfile` is the entry point; the rest is exported for the audit and policy code
 * that builds on it.
 */
export { analyseDockerfile, MAX_DOCKERFILE_LENGTH } from './analyse.js';
export { MAX_STAGES } from './stages.js';
export { AUDIT_RULES, runRules, type AuditRule } from './rules/index.js';
export { cleanContextPath } from './stages.js';
export { REDACTED, redactDockerfileLine, redactDockerfileText, redactUrlCredentials } from './redact.js';
export type {
  AnalyseOptions,
  ContextSource,
  DockerfileAnalysis,
  ExternalImage,
  Finding,
  OnbuildNote,
  Severity,
  Stage,
  StageBase,
} from './types.js';
