import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { labDir } from './lab.js';
import { repoRoot } from './cli.js';

let baseUrl: string | undefined;

/**
 * Returns the URL of the throwaway PostgreSQL server, starting it with lab/pg-up.sh when needed
 * (idempotent). Throws when it cannot start: store tests for PostgreSQL must fail, not pass.
 */
export function ensurePostgres(): string {
  if (baseUrl) return baseUrl;
  execFileSync('bash', [path.join(repoRoot, 'lab/pg-up.sh')], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, LAB_DIR: labDir },
    timeout: 15 * 60 * 1000,
  });
  const env = readFileSync(path.join(labDir, 'pg.env'), 'utf8');
  const match = /BOSUN_TEST_DATABASE_URL=(\S+)/.exec(env);
  if (!match) throw new Error(`${labDir}/pg.env has no BOSUN_TEST_DATABASE_URL`);
  baseUrl = match[1]!;
  return baseUrl;
}

/** Creates an empty database for one test and returns its URL and a function that drops it. */
export async function freshDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const base = ensurePostgres();
  const name = `bosun_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = base.replace(/\/[^/]*$/, `/${name}`);
  return {
    url,
    async drop() {
      const client = new pg.Client({ connectionString: base });
      await client.connect();
      try {
        await client.query(`drop database if exists ${name} with (force)`);
      } finally {
        await client.end();
      }
    },
  };
}
