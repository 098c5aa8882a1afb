import { z } from 'zod';

/** Builds the schema of a list response body for `item`. */
export function listSchema<T extends z.ZodType>(item: T) {
  return z.object({
    items: z.array(item),
    next: z.string().nullable().describe('Cursor of the next page, for the cursor query parameter; null on the last page'),
  });
}

/** Open findings by severity, ignore rules applied. */
export const severityCountsSchema = z.object({
  critical: z.number().int(),
  high: z.number().int(),
  medium: z.number().int(),
  low: z.number().int(),
  none: z.number().int(),
  unknown: z.number().int(),
  total: z.number().int(),
});

/** A finding as `listFindings` in src/monitor returns it. */
export const findingSchema = z.object({
  imageConfigDigest: z.string(),
  advisoryId: z.string(),
  aliases: z.array(z.string()),
  packagePurl: z.string(),
  packageName: z.string(),
  packageVersion: z.string(),
  ecosystem: z.string(),
  severity: z.string(),
  score: z.number().nullable(),
  fixedVersion: z.string().nullable(),
  state: z.string(),
  reason: z.string(),
  firstSeenAt: z.string(),
  lastSeenAt: z.string(),
  resolvedAt: z.string().nullable(),
  ignoredBy: z.object({ id: z.number(), reason: z.string(), source: z.string(), expiresAt: z.string().nullable() }).optional(),
  ignoreExpired: z.object({ id: z.number(), reason: z.string(), source: z.string(), expiresAt: z.string() }).optional(),
});

/** A `sha256:` or `sha512:` digest in a path or query. */
export const digestParam = z.string().regex(/^(sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/, 'expected sha256:<64 hex> or sha512:<128 hex>');

export const SEVERITY_VALUES = ['critical', 'high', 'medium', 'low', 'none', 'unknown'] as const;
