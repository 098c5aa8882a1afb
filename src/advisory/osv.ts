import { z } from 'zod';

/**
 * The OSV record format, version 1.6 (https://ossf.github.io/osv-schema/).
 *
 * Feeds deviate from the spec in small ways, so the schema is lenient where that is harmless:
 * unknown fields are kept, `null` stands for an absent list, and dates are not checked beyond
 * `modified`, which import compares. It is strict where input is hostile: every string and list
 * has a cap, and a record without `id` or `modified` is rejected.
 */

/** Caps on field sizes. Real feeds stay far below them (osv.dev Go and AlmaLinux: 12 KiB per record at most). */
export const OSV_LIMITS = {
  id: 256,
  timestamp: 64,
  summary: 4096,
  details: 256 * 1024,
  name: 1024,
  version: 512,
  url: 4096,
  /** aliases, related, upstream, references, severity. */
  smallList: 4096,
  affected: 50_000,
  ranges: 1024,
  events: 10_000,
  /** Debian and Ubuntu list every affected source version; kernel records reach thousands. */
  versions: 200_000,
} as const;

const limitedString = (max: number) => z.string().max(max);

/** A list that may be `null` or absent in real feeds; both read as empty. */
const list = <T extends z.ZodType>(item: T, max: number) =>
  z
    .array(item)
    .max(max)
    .nullish()
    .transform((value) => value ?? []);

const specificObject = z
  .record(z.string(), z.unknown())
  .nullish()
  .transform((value) => value ?? {});

/** Feeds write the ecosystem's own terms here; OSV 1.6 names CVSS_V2, CVSS_V3, CVSS_V4 and Ubuntu. */
export const osvSeveritySchema = z.looseObject({
  type: limitedString(64),
  score: limitedString(1024),
});

/**
 * One range event. The spec allows exactly one key per event. When a feed writes more, the
 * first known key counts, in the order introduced, fixed, last_affected, limit.
 */
export const osvEventSchema = z
  .looseObject({
    introduced: limitedString(OSV_LIMITS.version).optional(),
    fixed: limitedString(OSV_LIMITS.version).optional(),
    last_affected: limitedString(OSV_LIMITS.version).optional(),
    limit: limitedString(OSV_LIMITS.version).optional(),
  })
  .refine(
    (event) =>
      event.introduced !== undefined ||
      event.fixed !== undefined ||
      event.last_affected !== undefined ||
      event.limit !== undefined,
    { message: 'event has none of introduced, fixed, last_affected, limit' },
  );

export const osvRangeSchema = z.looseObject({
  /** `SEMVER`, `ECOSYSTEM` or `GIT`; other values are kept and ignored by matching. */
  type: limitedString(64),
  repo: limitedString(OSV_LIMITS.url).optional(),
  events: z.array(osvEventSchema).max(OSV_LIMITS.events),
  database_specific: specificObject,
});

export const osvPackageSchema = z.looseObject({
  ecosystem: limitedString(OSV_LIMITS.name),
  name: limitedString(OSV_LIMITS.name),
  purl: limitedString(OSV_LIMITS.url).optional(),
});

export const osvAffectedSchema = z.looseObject({
  /** Optional in the spec for records that only list git ranges; such entries never match a package. */
  package: osvPackageSchema.optional(),
  severity: list(osvSeveritySchema, OSV_LIMITS.smallList),
  ranges: list(osvRangeSchema, OSV_LIMITS.ranges),
  versions: list(limitedString(OSV_LIMITS.version), OSV_LIMITS.versions),
  ecosystem_specific: specificObject,
  database_specific: specificObject,
});

export const osvReferenceSchema = z.looseObject({
  type: limitedString(64).optional(),
  url: limitedString(OSV_LIMITS.url),
});

const modifiedSchema = limitedString(OSV_LIMITS.timestamp).refine((value) => !Number.isNaN(Date.parse(value)), {
  message: 'modified is not an RFC 3339 timestamp',
});

export const osvRecordSchema = z.looseObject({
  schema_version: limitedString(64).optional(),
  id: limitedString(OSV_LIMITS.id).min(1),
  modified: modifiedSchema,
  published: limitedString(OSV_LIMITS.timestamp).nullish(),
  withdrawn: limitedString(OSV_LIMITS.timestamp).nullish(),
  aliases: list(limitedString(OSV_LIMITS.id), OSV_LIMITS.smallList),
  upstream: list(limitedString(OSV_LIMITS.id), OSV_LIMITS.smallList),
  related: list(limitedString(OSV_LIMITS.id), OSV_LIMITS.smallList),
  summary: limitedString(OSV_LIMITS.summary).nullish(),
  details: limitedString(OSV_LIMITS.details).nullish(),
  severity: list(osvSeveritySchema, OSV_LIMITS.smallList),
  affected: list(osvAffectedSchema, OSV_LIMITS.affected),
  references: list(osvReferenceSchema, OSV_LIMITS.smallList),
  database_specific: specificObject,
});

export type OsvRecord = z.output<typeof osvRecordSchema>;
export type OsvAffected = z.output<typeof osvAffectedSchema>;
export type OsvRange = z.output<typeof osvRangeSchema>;
export type OsvEvent = z.output<typeof osvEventSchema>;
export type OsvSeverity = z.output<typeof osvSeveritySchema>;

/** The outcome of validating one untrusted record. */
export type OsvParseResult = { ok: true; record: OsvRecord } | { ok: false; reason: string };

/**
 * Validates a parsed JSON value as an OSV record. The reason for a rejection names the first
 * failing field path, for example `affected.0.ranges.0.events: Too big`.
 */
export function parseOsvRecord(value: unknown): OsvParseResult {
  const result = osvRecordSchema.safeParse(value);
  if (result.success) return { ok: true, record: result.data };

  const issue = result.error.issues[0];
  const where = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
  return { ok: false, reason: `not an OSV record: ${where}${issue?.message ?? 'invalid'}` };
}

/** The event kinds of a range, in the order the spec checks them. */
export type OsvEventKind = 'introduced' | 'fixed' | 'last_affected' | 'limit';

/** Returns the kind and version of one event. */
export function eventOf(event: OsvEvent): { kind: OsvEventKind; version: string } {
  if (event.introduced !== undefined) return { kind: 'introduced', version: event.introduced };
  if (event.fixed !== undefined) return { kind: 'fixed', version: event.fixed };
  if (event.last_affected !== undefined) return { kind: 'last_affected', version: event.last_affected };
  return { kind: 'limit', version: event.limit ?? '' };
}
