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
