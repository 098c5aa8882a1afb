import { severityRank } from './severity.js';
import type { ScanReport, Severity } from './types.js';

/**
 * Returns whether the report has a vulnerability at `threshold` or above, which makes
 * `--fail-on high` fail on high and critical findings. `unknown` ranks lowest, so only
 * `--fail-on unknown` fails on findings without a severity, and that threshold fails on any
 * finding. Findings count whatever their state, including `wont-fix`.
 */
export function exceedsThreshold(report: Pick<ScanReport, 'vulnerabilities'>, threshold: Severity): boolean {
  const minimum = severityRank(threshold);
  return report.vulnerabilities.some((finding) => severityRank(finding.severity) >= minimum);
}
