import type { Generated } from 'kysely';

/**
 * The database schema. JSON values are stored as text so that the same schema runs on SQLite
 * and PostgreSQL; times are ISO 8601 strings in UTC.
 */
export interface Database {
  meta: MetaTable;
  layers: LayerTable;
  images: ImageTable;
  advisories: AdvisoryTable;
  advisory_affected: AdvisoryAffectedTable;
  advisory_sources: AdvisorySourceTable;
}

export interface MetaTable {
  key: string;
  value: string;
}

/** Cached cataloguer output per layer. `cataloguer_key` changes whenever a cataloguer version does. */
export interface LayerTable {
  diff_id: string;
  cataloguer_key: string;
  /** JSON of catalog LayerResult. */
  result: string;
  created_at: string;
}

/** Every image scanned, keyed by config digest (the image ID), with its latest SBOM. */
export interface ImageTable {
  config_digest: string;
  manifest_digest: string | null;
  /** JSON string[]: references the image was scanned under. */
  references: string;
  /** JSON string[]. */
  diff_ids: string;
  /** JSON of OsInfo or null. */
  os: string | null;
  /** JSON of Package[]. */
  packages: string;
  /** JSON of Record<string,string>: manifest annotations and config labels. */
  annotations: string;
  cataloguer_key: string;
  first_seen_at: string;
  scanned_at: string;
}

/** One OSV record, as imported. */
export interface AdvisoryTable {
  id: string;
  modified: string;
  published: string | null;
  withdrawn: string | null;
  summary: string | null;
  /** JSON string[]. */
  aliases: string;
  /** `critical` | `high` | `medium` | `low` | `unknown`. */
  severity: string;
  score: number | null;
  /** The full OSV JSON. */
  record: string;
  source: string;
  imported_at: string;
}

/**
 * One `affected[]` entry of an advisory, indexed by ecosystem and package so that matching reads
 * only the rows for the packages an image has.
 */
export interface AdvisoryAffectedTable {
  id: Generated<number>;
  advisory_id: string;
  /** The full OSV ecosystem: `Debian:12`, `AlmaLinux:9`, `Go`, `npm`. */
  ecosystem: string;
  /** The ecosystem without release: `Debian`, `AlmaLinux`. */
  ecosystem_base: string;
  package: string;
  /** JSON of the OSV `ranges` array. */
  ranges: string;
  /** JSON string[] of the OSV `versions` list. */
  versions: string;
  /** JSON of `ecosystem_specific` and `database_specific`, for distro rules. */
  specific: string;
}

/** Where advisories came from and when: one row per ecosystem and source. */
export interface AdvisorySourceTable {
  ecosystem: string;
  source: string;
  records: number;
  updated_at: string;
}
