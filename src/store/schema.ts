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
  audits: AuditTable;
  builds: BuildTable;
  known_images: KnownImageTable;
  endpoints: EndpointTable;
  containers: ContainerTable;
  findings: FindingTable;
  notices: NoticeTable;
  deliveries: DeliveryTable;
  ignore_rules: IgnoreRuleTable;
  api_tokens: ApiTokenTable;
  jobs: JobTable;
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
  /** When the monitor last re-matched this image's packages against the advisories; null before. */
  matched_at: Generated<string | null>;
  /** The trust verdict the monitor last computed for this image; null before the first one or without a policy. */
  verdict: Generated<string | null>;
  /** JSON string[]: the reasons of `verdict`. */
  verdict_reasons: Generated<string | null>;
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

/** One approval of a build source: the pinned content, who approved it and when. */
export interface AuditTable {
  id: Generated<number>;
  /** Absolute path of the Dockerfile: the key of a build source. */
  source: string;
  context_dir: string;
  /** JSON of Record<string,string>: the `--build-arg` values the pin was made with. */
  build_args: string;
  /** Digest over every pinned file (Dockerfile, .dockerignore, context files). */
  content_digest: string;
  /** JSON of PinnedFile[]. */
  files: string;
  /** The Dockerfile as approved, for diffs against later edits. */
  dockerfile_text: string;
  /** JSON of the audit findings at approval time. */
  findings: string;
  approved_by: string;
  approved_at: string;
}

/** An image built from a build source: what went in and what came out. */
export interface BuildTable {
  id: Generated<number>;
  /** Absolute path of the Dockerfile. */
  source: string;
  context_dir: string;
  /** Content digest of the source at build time, comparable with `audits.content_digest`. */
  content_digest: string;
  /** The base the output image's layers start from; null for `FROM scratch`. */
  parent_reference: string | null;
  parent_digest: string | null;
  /** JSON of Array<{reference, digest}>: every external image the build read, parent included. */
  bases: string;
  config_digest: string;
  manifest_digest: string | null;
  built_at: string;
}

/**
 * Images that chain resolution may name as a base besides those in `images`: resolved trusted
 * bases (`origin` `trusted-base`) and images the user added (`origin` `user`).
 */
export interface KnownImageTable {
  config_digest: string;
  manifest_digest: string | null;
  /** JSON string[]. */
  references: string;
  /** JSON string[]. */
  diff_ids: string;
  /** JSON of Record<string,string>: manifest annotations and config labels. */
  annotations: string;
  origin: string;
  added_at: string;
  checked_at: string;
}

/** An engine the service watches, and whether it is reachable. */
export interface EndpointTable {
  name: string;
  url: string;
  /** `docker` | `podman` | `unknown`. */
  kind: string;
  /** `connected` | `reconnecting` | `error`. */
  state: string;
  last_error: string | null;
  last_seen_at: string | null;
  updated_at: string;
}

/** A container seen on an endpoint. `removed_at` is set when it is destroyed; rows are kept for history. */
export interface ContainerTable {
  endpoint: string;
  id: string;
  name: string;
  /** The image as the container names it (`lab/app:1`, or an image id). */
  image_reference: string;
  /** The image ID (config digest), joined to `images.config_digest`. */
  image_config_digest: string | null;
  image_manifest_digest: string | null;
  compose_project: string | null;
  compose_service: string | null;
  swarm_service: string | null;
  /** Engine state: `created`, `running`, `exited`… */
  state: string;
  /** JSON Record<string,string>. */
  labels: string;
  first_seen_at: string;
  last_seen_at: string;
  removed_at: string | null;
}

/**
 * The current findings of each stored image; `resolved_at` is set when a re-match no longer finds
 * it. `last_seen_at` is the last time the row changed; `images.matched_at` is the last re-match.
 */
export interface FindingTable {
  image_config_digest: string;
  advisory_id: string;
  package_purl: string;
  package_name: string;
  package_version: string;
  ecosystem: string;
  severity: string;
  score: number | null;
  fixed_version: string | null;
  /** `fixed-available` | `unfixed` | `wont-fix`. */
  state: string;
  reason: string;
  first_seen_at: string;
  last_seen_at: string;
  resolved_at: string | null;
}

/** A notice for the user. `id` is a stable hash of what it is about, so it is created once. */
export interface NoticeTable {
  id: string;
  /** `vulnerability.new` | `vulnerability.fixed` | `verdict.changed` | `image.unused`. */
  kind: string;
  title: string;
  body: string;
  severity: string | null;
  endpoint: string | null;
  container: string | null;
  image_reference: string | null;
  image_config_digest: string | null;
  advisory_id: string | null;
  /** JSON of the full notice. */
  payload: string;
  created_at: string;
}

/** Delivery of one notice to one channel: `pending`, `sent` or `dead` (the dead-letter record). */
export interface DeliveryTable {
  id: Generated<number>;
  notice_id: string;
  channel: string;
  status: string;
  attempts: number;
  last_error: string | null;
  next_attempt_at: string | null;
  updated_at: string;
}

/** A rule that hides findings: any of advisory, package and image set narrows it; none set means everywhere. */
export interface IgnoreRuleTable {
  id: Generated<number>;
  advisory_id: string | null;
  /** Package name or purl. */
  package: string | null;
  /** Image reference pattern or config digest. */
  image: string | null;
  reason: string;
  /** `user` or `vex:<document id>`. */
  source: string;
  expires_at: string | null;
  created_by: string | null;
  created_at: string;
}

/** API and feed tokens, stored as SHA-256 hashes only. `scope` is `api`, `feed:all` or `feed:endpoint:NAME`. */
export interface ApiTokenTable {
  id: Generated<number>;
  name: string;
  scope: string;
  token_hash: string;
  created_at: string;
  last_used_at: string | null;
}

/**
 * Durable work queue: scans, syncs and re-matches. A job left `running` by a killed process is
 * taken up again on start, so a restart continues where the last run stopped.
 */
export interface JobTable {
  id: Generated<number>;
  /** `scan` | `sync` | `rematch` | `deliver`. */
  kind: string;
  /** Deduplication key within the kind: an image digest, a sync source. */
  key: string;
  /** JSON. */
  payload: string;
  /** `queued` | `running` | `done` | `failed`. */
  state: string;
  attempts: number;
  last_error: string | null;
  created_at: string;
  updated_at: string;
}
