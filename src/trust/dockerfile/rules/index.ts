import { redactUrlCredentials } from '../redact.js';
import type { Finding } from '../types.js';
import { addLocalArchiveRule, addLocalFileRule } from './add.js';
import { addUrlWithoutChecksumRule, pipeToShellRule, verificationDisabledRule } from './downloads.js';
import { latestTagRule, rootUserRule, unpinnedDigestRule } from './images.js';
import { installRecommendsRule, unpinnedPackagesRule } from './packages.js';
import { insecureRunRule, outsideContextRule, sudoRule, worldWritableRule } from './permissions.js';
import { secretRule } from './secrets.js';
import type { AuditRule, RuleContext } from './types.js';

export type { AuditRule, RuleContext, RuleHit, RunScript } from './types.js';
export { buildRunScripts } from './scripts.js';

/** Every audit rule, in id order. A new rule is one entry here and one row in docs/audit-rules.md. */
export const AUDIT_RULES: readonly AuditRule[] = [
  pipeToShellRule,
  addUrlWithoutChecksumRule,
  unpinnedDigestRule,
  latestTagRule,
  rootUserRule,
  secretRule,
  worldWritableRule,
  unpinnedPackagesRule,
  installRecommendsRule,
  sudoRule,
  addLocalArchiveRule,
  addLocalFileRule,
  verificationDisabledRule,
  insecureRunRule,
  outsideContextRule,
];

/** Runs every rule and returns the findings sorted by line, then id, without repeats. */
export function runRules(context: RuleContext, rules: readonly AuditRule[] = AUDIT_RULES): Finding[] {
  const seen = new Set<string>();
  const findings: Finding[] = [];
  for (const rule of rules) {
    for (const hit of rule.check(context)) {
      const key = `${rule.id}\n${hit.line}\n${hit.message}`;
      if (seen.has(key)) continue;
      seen.add(key);
      // Messages quote URLs and paths from the Dockerfile, which may carry a password.
      findings.push({ id: rule.id, line: hit.line, severity: hit.severity ?? rule.severity, message: redactUrlCredentials(hit.message), why: rule.why });
    }
  }
  return findings.sort((a, b) => a.line - b.line || a.id.localeCompare(b.id));
}
