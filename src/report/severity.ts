import { InputError } from '../common/errors.js';
import { SEVERITIES, type Severity, type SeverityCounts } from './types.js';

/** Returns the rank of a severity, from 4 for critical down to 0 for unknown. */
export function severityRank(severity: Severity): number {
  return SEVERITIES.length - 1 - SEVERITIES.indexOf(severity);
}

/** Parses a severity name from a command-line option or config value, ignoring case. */
export function parseSeverity(text: string, optionName = '--fail-on'): Severity {
  const value = text.trim().toLowerCase();
  const severity = SEVERITIES.find((s) => s === value);
  if (severity === undefined) {
    throw new InputError(`invalid ${optionName} severity "${text}"`, { hint: `Use one of: ${SEVERITIES.join(', ')}.` });
  }
  return severity;
}

/** Returns a count of zero for every severity. */
export function emptyCounts(): SeverityCounts {
  return { critical: 0, high: 0, medium: 0, low: 0, unknown: 0 };
}
