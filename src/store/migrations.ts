import { type Kysely, type Migration, type MigrationProvider } from 'kysely';

/**
 * Migrations, in order. Each is written with the schema builder only, so it runs on SQLite and
 * PostgreSQL alike. Never edit a migration that has shipped: add a new one.
 */
function buildMigrations(dialect: Dialect): Record<string, Migration> {
  return {
  '0001_initial': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('meta')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('value', 'text', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('layers')
        .addColumn('diff_id', 'text', (c) => c.notNull())
        .addColumn('cataloguer_key', 'text', (c) => c.notNull())
        .addColumn('result', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('layers_pk', ['diff_id', 'cataloguer_key'])
        .execute();

      await db.schema
        .createTable('images')
        .addColumn('config_digest', 'text', (c) => c.primaryKey())
        .addColumn('manifest_digest', 'text')
        .addColumn('references', 'text', (c) => c.notNull())
        .addColumn('diff_ids', 'text', (c) => c.notNull())
        .addColumn('os', 'text')
        .addColumn('packages', 'text', (c) => c.notNull())
        .addColumn('annotations', 'text', (c) => c.notNull())
        .addColumn('cataloguer_key', 'text', (c) => c.notNull())
        .addColumn('first_seen_at', 'text', (c) => c.notNull())
        .addColumn('scanned_at', 'text', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('advisories')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('modified', 'text', (c) => c.notNull())
        .addColumn('published', 'text')
        .addColumn('withdrawn', 'text')
        .addColumn('summary', 'text')
        .addColumn('aliases', 'text', (c) => c.notNull())
        .addColumn('severity', 'text', (c) => c.notNull())
        .addColumn('score', 'real')
        .addColumn('record', 'text', (c) => c.notNull())
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('imported_at', 'text', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('advisory_affected')
        .addColumn('id', dialect === 'postgres' ? 'serial' : 'integer', (c) =>
          dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement(),
        )
        .addColumn('advisory_id', 'text', (c) => c.notNull().references('advisories.id').onDelete('cascade'))
        .addColumn('ecosystem', 'text', (c) => c.notNull())
        .addColumn('ecosystem_base', 'text', (c) => c.notNull())
        .addColumn('package', 'text', (c) => c.notNull())
        .addColumn('ranges', 'text', (c) => c.notNull())
        .addColumn('versions', 'text', (c) => c.notNull())
        .addColumn('specific', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('advisory_affected_lookup')
        .on('advisory_affected')
        .columns(['ecosystem_base', 'package'])
        .execute();
      await db.schema.createIndex('advisory_affected_advisory').on('advisory_affected').column('advisory_id').execute();

      await db.schema
        .createTable('advisory_sources')
        .addColumn('ecosystem', 'text', (c) => c.notNull())
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('records', 'integer', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('advisory_sources_pk', ['ecosystem', 'source'])
        .execute();
    },
  },
  '0002_trust': {
    async up(db: Kysely<any>) {
      const autoId = dialect === 'postgres' ? 'serial' : 'integer';

      await db.schema
        .createTable('audits')
        .addColumn('id', autoId, (c) => (dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement()))
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('context_dir', 'text', (c) => c.notNull())
        .addColumn('build_args', 'text', (c) => c.notNull())
        .addColumn('content_digest', 'text', (c) => c.notNull())
        .addColumn('files', 'text', (c) => c.notNull())
        .addColumn('dockerfile_text', 'text', (c) => c.notNull())
        .addColumn('findings', 'text', (c) => c.notNull())
        .addColumn('approved_by', 'text', (c) => c.notNull())
        .addColumn('approved_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('audits_source').on('audits').columns(['source', 'approved_at']).execute();

      await db.schema
        .createTable('builds')
        .addColumn('id', autoId, (c) => (dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement()))
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('context_dir', 'text', (c) => c.notNull())
        .addColumn('content_digest', 'text', (c) => c.notNull())
        .addColumn('parent_reference', 'text')
        .addColumn('parent_digest', 'text')
        .addColumn('bases', 'text', (c) => c.notNull())
        .addColumn('config_digest', 'text', (c) => c.notNull())
        .addColumn('manifest_digest', 'text')
        .addColumn('built_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('builds_config').on('builds').column('config_digest').execute();
      await db.schema.createIndex('builds_manifest').on('builds').column('manifest_digest').execute();

      await db.schema
        .createTable('known_images')
        .addColumn('config_digest', 'text', (c) => c.primaryKey())
        .addColumn('manifest_digest', 'text')
        .addColumn('references', 'text', (c) => c.notNull())
        .addColumn('diff_ids', 'text', (c) => c.notNull())
        .addColumn('annotations', 'text', (c) => c.notNull())
        .addColumn('origin', 'text', (c) => c.notNull())
        .addColumn('added_at', 'text', (c) => c.notNull())
        .addColumn('checked_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('known_images_manifest').on('known_images').column('manifest_digest').execute();
    },
  },
  '0003_monitor': {
    async up(db: Kysely<any>) {
      const autoId = dialect === 'postgres' ? 'serial' : 'integer';
      const primaryAuto = (c: any) => (dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement());

      await db.schema
        .createTable('endpoints')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('url', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('last_error', 'text')
        .addColumn('last_seen_at', 'text')
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('containers')
        .addColumn('endpoint', 'text', (c) => c.notNull())
        .addColumn('id', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('image_reference', 'text', (c) => c.notNull())
        .addColumn('image_config_digest', 'text')
        .addColumn('image_manifest_digest', 'text')
        .addColumn('compose_project', 'text')
        .addColumn('compose_service', 'text')
        .addColumn('swarm_service', 'text')
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('labels', 'text', (c) => c.notNull())
        .addColumn('first_seen_at', 'text', (c) => c.notNull())
        .addColumn('last_seen_at', 'text', (c) => c.notNull())
        .addColumn('removed_at', 'text')
        .addPrimaryKeyConstraint('containers_pk', ['endpoint', 'id'])
        .execute();
      await db.schema.createIndex('containers_image').on('containers').column('image_config_digest').execute();

      await db.schema
        .createTable('findings')
        .addColumn('image_config_digest', 'text', (c) => c.notNull())
        .addColumn('advisory_id', 'text', (c) => c.notNull())
        .addColumn('package_purl', 'text', (c) => c.notNull())
        .addColumn('package_name', 'text', (c) => c.notNull())
        .addColumn('package_version', 'text', (c) => c.notNull())
        .addColumn('ecosystem', 'text', (c) => c.notNull())
        .addColumn('severity', 'text', (c) => c.notNull())
        .addColumn('score', 'real')
        .addColumn('fixed_version', 'text')
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('first_seen_at', 'text', (c) => c.notNull())
        .addColumn('last_seen_at', 'text', (c) => c.notNull())
        .addColumn('resolved_at', 'text')
        .addPrimaryKeyConstraint('findings_pk', ['image_config_digest', 'advisory_id', 'package_purl'])
        .execute();
      await db.schema.createIndex('findings_advisory').on('findings').column('advisory_id').execute();

      await db.schema
        .createTable('notices')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('body', 'text', (c) => c.notNull())
        .addColumn('severity', 'text')
        .addColumn('endpoint', 'text')
        .addColumn('container', 'text')
        .addColumn('image_reference', 'text')
        .addColumn('image_config_digest', 'text')
        .addColumn('advisory_id', 'text')
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('notices_created').on('notices').column('created_at').execute();

      await db.schema
        .createTable('deliveries')
        .addColumn('id', autoId, primaryAuto)
        .addColumn('notice_id', 'text', (c) => c.notNull())
        .addColumn('channel', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull())
        .addColumn('last_error', 'text')
        .addColumn('next_attempt_at', 'text')
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addUniqueConstraint('deliveries_notice_channel', ['notice_id', 'channel'])
        .execute();
      await db.schema.createIndex('deliveries_status').on('deliveries').column('status').execute();

      await db.schema
        .createTable('ignore_rules')
        .addColumn('id', autoId, primaryAuto)
        .addColumn('advisory_id', 'text')
        .addColumn('package', 'text')
        .addColumn('image', 'text')
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text')
        .addColumn('created_by', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('api_tokens')
        .addColumn('id', autoId, primaryAuto)
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('scope', 'text', (c) => c.notNull())
        .addColumn('token_hash', 'text', (c) => c.notNull().unique())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('last_used_at', 'text')
        .execute();

      await db.schema
        .createTable('jobs')
        .addColumn('id', autoId, primaryAuto)
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull())
        .addColumn('last_error', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addUniqueConstraint('jobs_kind_key', ['kind', 'key'])
        .execute();
      await db.schema.createIndex('jobs_state').on('jobs').columns(['state', 'kind']).execute();
    },
  },
  '0004_image_matched_at': {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('images').addColumn('matched_at', 'text').execute();
    },
  },
  '0005_image_verdict': {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('images').addColumn('verdict', 'text').execute();
      await db.schema.alterTable('images').addColumn('verdict_reasons', 'text').execute();
    },
  },
  };
}

export type Dialect = 'sqlite' | 'postgres';

export function migrationProvider(dialect: Dialect): MigrationProvider {
  return {
    async getMigrations() {
      return buildMigrations(dialect);
    },
  };
}
