import { scanReportSchema } from './schema.js';
import type { ScanReport } from './types.js';

/**
 * Renders the report as the JSON contract: keys in the documented order, two-space indent and a
 * trailing newline. A report that does not match the contract is a bug in Bosun, so this
 * throws a plain Error that names the first field that failed.
 */
export function renderJson(report: ScanReport): string {
  const result = scanReportSchema.safeParse(report);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new Error(
      `Internal error: the scan report does not match its JSON contract at ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? ''}`,
      { cause: result.error },
    );
  }
  return `${JSON.stringify(result.data, null, 2)}\n`;
}
