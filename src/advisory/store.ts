import type { Kysely, Transaction } from 'kysely';
import type { Database, Store } from '../store/index.js';
import type { OsvRange, OsvRecord } from './osv.js';
import { advisoryInfo, affectedEntries } from './records.js';
import type { SeverityLevel, SeverityScore } from './severity.js';
import type { AdvisoryInfo, AffectedEntry, AffectedKey } from './types.js';

/**
 * Rows per multi-row INSERT. SQLite allows 32,766 bound parameters per statement and PostgreSQL
 * 65,535; 500 rows of at most 11 columns stay far below both.
 */
const ROWS_PER_INSERT = 500;

/** Names per `IN (…)` list when loading affected rows. */
const NAMES_PER_QUERY = 500;

type Db = Kysely<Database> | Transaction<Database>;

/** Returns the stored `modified` time of each of `ids` that the store has. */
export async function storedModified(db: Db, ids: string[]): Promise<Map<string, string>> {
  const result = new Map<string, string>();
  for (const chunk of chunks(ids, ROWS_PER_INSERT)) {
    const rows = await db.selectFrom('advisories').select(['id', 'modified']).where('id', 'in', chunk).execute();
    for (const row of rows) result.set(row.id, row.modified);
  }
  return result;
}

/**
 * Writes records, replacing any stored version of the same id together with its affected rows.
 * The caller decides which records are newer.
 */
export async function writeRecords(db: Db, records: OsvRecord[], source: string, importedAt: string): Promise<void> {
  if (records.length === 0) return;

  const infos = new Map(records.map((record) => [record.id, advisoryInfo(record)]));
  for (const chunk of chunks(records, ROWS_PER_INSERT)) {
    await db
      .insertInto('advisories')
      .values(chunk.map((record) => advisoryRow(record, infos.get(record.id)!, source, importedAt)))
      .onConflict((conflict) =>
        conflict.column('id').doUpdateSet((eb) => ({
          modified: eb.ref('excluded.modified'),
          published: eb.ref('excluded.published'),
          withdrawn: eb.ref('excluded.withdrawn'),
          summary: eb.ref('excluded.summary'),
          aliases: eb.ref('excluded.aliases'),
          severity: eb.ref('excluded.severity'),
          score: eb.ref('excluded.score'),
          record: eb.ref('excluded.record'),
          source: eb.ref('excluded.source'),
          imported_at: eb.ref('excluded.imported_at'),
        })),
      )
      .execute();
    await db.deleteFrom('advisory_affected').where('advisory_id', 'in', chunk.map((record) => record.id)).execute();
  }

  const affectedRows = records.flatMap((record) => affectedRowsOf(record, infos.get(record.id)!));
  for (const chunk of chunks(affectedRows, ROWS_PER_INSERT)) {
    await db.insertInto('advisory_affected').values(chunk).execute();
  }
}

/** Records how many advisories a source provided per ecosystem, and when. */
export async function writeSourceCounts(db: Db, source: string, counts: Record<string, number>, updatedAt: string): Promise<void> {
  const rows = Object.entries(counts).map(([ecosystem, records]) => ({ ecosystem, source, records, updated_at: updatedAt }));
  for (const chunk of chunks(rows, ROWS_PER_INSERT)) {
    await db
      .insertInto('advisory_sources')
      .values(chunk)
      .onConflict((conflict) =>
        conflict.columns(['ecosystem', 'source']).doUpdateSet((eb) => ({
          records: eb.ref('excluded.records'),
          updated_at: eb.ref('excluded.updated_at'),
        })),
      )
      .execute();
  }
}

/**
 * Loads the affected entries of non-withdrawn advisories for the given ecosystem and package
 * names, one query per ecosystem and batch of names.
 */
export async function loadAffectedEntries(store: Store, keys: AffectedKey[]): Promise<AffectedEntry[]> {
  const namesByBase = new Map<string, Set<string>>();
  for (const key of keys) {
    const names = namesByBase.get(key.base) ?? new Set<string>();
    names.add(key.name);
    namesByBase.set(key.base, names);
  }

  const entries: AffectedEntry[] = [];
  const advisories = new Map<string, AffectedEntry['advisory']>();
  for (const [base, names] of namesByBase) {
    for (const chunk of chunks([...names], NAMES_PER_QUERY)) {
      const rows = await selectAffected(store.db, base, chunk);
      for (const row of rows) entries.push(entryFromRow(row, advisories));
    }
  }
  return entries;
}

function selectAffected(db: Kysely<Database>, base: string, names: string[]) {
  return db
    .selectFrom('advisory_affected as a')
    .innerJoin('advisories as v', 'v.id', 'a.advisory_id')
    .select(['a.ecosystem', 'a.ecosystem_base', 'a.package', 'a.ranges', 'a.versions', 'a.specific'])
    .select(['v.id', 'v.aliases', 'v.summary', 'v.severity', 'v.score'])
    .where('a.ecosystem_base', '=', base)
    .where('a.package', 'in', names)
    .where('v.withdrawn', 'is', null)
    .execute();
}

type AffectedRowWithAdvisory = Awaited<ReturnType<typeof selectAffected>>[number];

/** The shape of `advisory_affected.specific`. */
interface StoredSpecific {
  ecosystem_specific: Record<string, unknown>;
  database_specific: Record<string, unknown>;
  severity?: SeverityScore;
  release?: string | null;
}

function entryFromRow(row: AffectedRowWithAdvisory, advisories: Map<string, AffectedEntry['advisory']>): AffectedEntry {
  let advisory = advisories.get(row.id);
  if (!advisory) {
    advisory = {
      id: row.id,
      aliases: JSON.parse(row.aliases) as string[],
      summary: row.summary ?? undefined,
      severity: row.severity as SeverityLevel,
      score: row.score ?? undefined,
      withdrawn: false,
    };
    advisories.set(row.id, advisory);
  }

  const specific = JSON.parse(row.specific) as StoredSpecific;
  return {
    advisory,
    ecosystem: row.ecosystem,
    base: row.ecosystem_base,
    release: specific.release ?? undefined,
    packageName: row.package,
    ranges: JSON.parse(row.ranges) as OsvRange[],
    versions: JSON.parse(row.versions) as string[],
    specific: { ecosystemSpecific: specific.ecosystem_specific, databaseSpecific: specific.database_specific },
    severity: specific.severity,
  };
}

function advisoryRow(record: OsvRecord, info: AdvisoryInfo, source: string, importedAt: string) {
  return {
    id: record.id,
    modified: record.modified,
    published: record.published ?? null,
    withdrawn: record.withdrawn ?? null,
    summary: record.summary ?? null,
    aliases: JSON.stringify(info.aliases),
    severity: info.severity,
    score: info.score ?? null,
    // The record as validated: unknown fields are kept, and lists a feed wrote as null read as [].
    record: JSON.stringify(record),
    source,
    imported_at: importedAt,
  };
}

function affectedRowsOf(record: OsvRecord, info: AdvisoryInfo) {
  return affectedEntries(record, info).map((entry) => {
    // The normalised release is stored so that loading needs no ecosystem parsing.
    const specific: StoredSpecific = {
      ecosystem_specific: entry.specific.ecosystemSpecific,
      database_specific: entry.specific.databaseSpecific,
      release: entry.release ?? null,
      ...(entry.severity ? { severity: entry.severity } : {}),
    };
    return {
      advisory_id: record.id,
      ecosystem: entry.ecosystem,
      ecosystem_base: entry.base,
      package: entry.packageName,
      ranges: JSON.stringify(entry.ranges),
      versions: JSON.stringify(entry.versions),
      specific: JSON.stringify(specific),
    };
  });
}

function chunks<T>(items: T[], size: number): T[][] {
  const result: T[][] = [];
  for (let start = 0; start < items.length; start += size) result.push(items.slice(start, start + size));
  return result;
}
