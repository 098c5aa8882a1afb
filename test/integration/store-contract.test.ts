import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { advisoryStatus, importAdvisories } from '../../src/advisory/index.js';
import { storeLayerCache } from '../../src/catalog/index.js';
import type { LayerResult, OsInfo, Package } from '../../src/catalog/types.js';
import type { DiffId } from '../../src/common/digest.js';
import { matchPackages } from '../../src/match/index.js';
import { openStore, type Store } from '../../src/store/index.js';
import { repoRoot } from '../helpers/cli.js';
import { freshDatabase } from '../helpers/postgres.js';

// One contract suite for both store dialects: the same migrations, imports, cache and matching
// must behave alike on SQLite and PostgreSQL.

const skip = process.getuid?.() === 0 ? undefined : 'starting PostgreSQL needs root';

const debian12: OsInfo = { id: 'debian', version: '12', source: 'etc/os-release' };
const layer = `sha256:${'a'.repeat(64)}` as DiffId;

function debPackage(name: string, version: string, source?: string): Package {
  return {
    name,
    version,
    type: 'deb',
    sourceName: source ?? name,
    sourceVersion: version,
    purl: `pkg:deb/debian/${name}@${version}?distro=debian-12`,
    layer,
    foundIn: 'var/lib/dpkg/status',
  };
}

const dialects: Array<[string, () => Promise<{ store: Store; cleanup: () => Promise<void> }>]> = [
  [
    'sqlite',
    async () => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'bosun-store-'));
      const store = await openStore({ dataDir: dir });
      return { store, cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
    },
  ],
  [
    'postgres',
    async () => {
      const database = await freshDatabase();
      const store = await openStore({ dataDir: '/nonexistent', databaseUrl: database.url });
      return { store, cleanup: database.drop };
    },
  ],
];

for (const [dialect, open] of dialects) {
  describe(`store contract on ${dialect}`, { skip: dialect === 'postgres' ? skip : undefined }, () => {
    let store: Store;
    let cleanup: () => Promise<void>;

    after(async () => {
      await store?.close();
      await cleanup?.();
    });

    test('migrations create every table', async () => {
      ({ store, cleanup } = await open());
      const tables = ['meta', 'layers', 'images', 'advisories', 'advisory_affected', 'advisory_sources', 'containers', 'findings', 'notices', 'jobs'];
      for (const table of tables) {
        const rows = await store.db.selectFrom(table as 'meta').selectAll().execute();
        assert.ok(Array.isArray(rows), table);
      }
    });

    test('advisory import is idempotent', async () => {
      const source = path.join(repoRoot, 'test/fixtures/osv/debian');
      const first = await importAdvisories(store, source);
      assert.ok(first.imported > 0);
      assert.deepEqual(first.skipped, []);

      const second = await importAdvisories(store, source);
      assert.equal(second.imported, 0);
      assert.equal(second.updated, 0);
      assert.equal(second.unchanged, first.imported + first.updated);

      const status = await advisoryStatus(store);
      assert.equal(status.total, first.imported);
      assert.ok(status.ecosystems.some((e) => e.ecosystem === 'Debian:12'));
    });

    test('matching reads source packages', async () => {
      const findings = await matchPackages(store, debian12, [
        debPackage('libssl3', '3.0.11-1~deb12u1', 'openssl'),
        debPackage('openssl', '3.0.11-1~deb12u2'),
      ]);
      const dsa = findings.filter((f) => f.advisoryId === 'DSA-5532-1');
      assert.deepEqual(dsa.map((f) => f.package.name), ['libssl3']);
      assert.equal(dsa[0]?.fixedVersion, '3.0.11-1~deb12u2');
    });

    test('layer cache round-trips a result', async () => {
      const cache = storeLayerCache(store);
      const result: LayerResult = { diffId: layer, files: {}, whiteouts: ['etc/x'], opaqueDirs: [], nonDirectories: ['etc/y'], warnings: [], bytes: 42 };
      assert.equal(await cache.get(layer, 'k1'), undefined);
      await cache.put(result, 'k1');
      await cache.put(result, 'k1');
      assert.deepEqual(await cache.get(layer, 'k1'), result);
      assert.equal(await cache.get(layer, 'k2'), undefined);
    });

    test('failed transaction leaves nothing behind', async () => {
      await assert.rejects(
        store.db.transaction().execute(async (trx) => {
          await trx.insertInto('meta').values({ key: 'half', value: 'written' }).execute();
          throw new Error('stop here');
        }),
        /stop here/,
      );
      const row = await store.db.selectFrom('meta').selectAll().where('key', '=', 'half').executeTakeFirst();
      assert.equal(row, undefined);
    });
  });
}
