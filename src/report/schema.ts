import { z } from 'zod';
import { InputError } from '../common/errors.js';
import { FINDING_STATES, SEVERITIES, type ScanReport } from './types.js';

const digest = z.string().regex(/^(sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/);
const optionalText = z.string().optional();

const packageSchema = z.object({
  name: z.string(),
  version: z.string(),
  ecosystem: z.string().nullable(),
  type: z.enum(['deb', 'apk', 'rpm', 'npm', 'pypi', 'golang', 'maven', 'generic']),
  purl: z.string(),
  arch: optionalText,
  sourceName: optionalText,
  sourceVersion: optionalText,
  licenses: z.array(z.string()).optional(),
  layer: digest,
  foundIn: z.string(),
});

const findingSchema = z.object({
  id: z.string().min(1),
  aliases: z.array(z.string()),
  summary: optionalText,
  severity: z.enum(SEVERITIES),
  score: z.number().min(0).max(10).optional(),
  vector: optionalText,
  package: z.object({
    name: z.string(),
    version: z.string(),
    ecosystem: z.string().nullable(),
    purl: z.string(),
    sourceName: optionalText,
    layer: digest,
  }),
  fixedVersion: optionalText,
  state: z.enum(FINDING_STATES),
  reason: z.string(),
});

const countSchema = z.number().int().nonnegative();

/**
 * The zod schema of the scan report. Parsing returns the fields in the documented order and
 * drops unknown ones. The order of keys in this schema is the order of keys in the JSON output.
 */
export const scanReportSchema = z.object({
  schemaVersion: z.literal(1),
  target: z.string(),
  image: z.object({
    reference: optionalText,
    digest: digest.optional(),
    configDigest: digest,
    diffIds: z.array(digest),
    platform: optionalText,
  }),
  os: z.object({ id: z.string(), version: z.string(), codename: optionalText }).nullable(),
  packages: z.array(packageSchema),
  vulnerabilities: z.array(findingSchema),
  warnings: z.array(z.object({ code: z.string(), message: z.string(), layer: optionalText, path: optionalText })),
  summary: z.object({
    packages: countSchema,
    vulnerabilities: z.object({ critical: countSchema, high: countSchema, medium: countSchema, low: countSchema, unknown: countSchema }),
  }),
  scannedAt: z.iso.datetime(),
  bosunVersion: z.string(),
});

// Fails to compile when the schema and the ScanReport interface drift apart.
type Parsed = z.infer<typeof scanReportSchema>;
const parsedIsReport: (value: Parsed) => ScanReport = (value) => value;
const reportIsParsed: (value: ScanReport) => Parsed = (value) => value;
void parsedIsReport;
void reportIsParsed;

/**
 * Parses a scan report read from `source` (a file name, for messages). Throws an InputError for
 * invalid JSON, an unsupported `schemaVersion` or a field that does not match the contract.
 */
export function parseScanReport(text: string, source: string): ScanReport {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new InputError(`invalid scan report ${source}: not JSON`, { hint: 'Pass the output of bosun scan --format json.', cause: error });
  }

  const version = (value as { schemaVersion?: unknown } | null)?.schemaVersion;
  if (version !== 1) {
    throw new InputError(`unsupported scan report ${source}: schemaVersion ${JSON.stringify(version) ?? 'missing'}, expected 1`, {
      hint: 'Read it with the Bosun version that wrote it, or scan the image again.',
    });
  }

  const result = scanReportSchema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue?.path.join('.') || '(root)';
    throw new InputError(`invalid scan report ${source}: ${where}: ${issue?.message ?? 'does not match the contract'}`, {
      hint: 'Pass the unmodified output of bosun scan --format json.',
      cause: result.error,
    });
  }
  return result.data;
}
