import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { advisoryStatus, importAdvisories, updateAdvisories } from '../../../src/advisory/index.js';
import type { OsInfo, Package } from '../../../src/catalog/types.js';
import { BosunError } from '../../../src/common/errors.js';
import type { DiffId } from '../../../src/common/digest.js';
import { matchPackages } from '../../../src/match/index.js';
import { openStore, type Store } from '../../../src/store/index.js';
import { writeZip, type ZipEntry } from './zip-writer.js';

const fixtureDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/osv');
const scratch = mkdtempSync(path.join(os.tmpdir(), 'bosun-advisory-test-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

let counter = 0;
function tempDir(): string {
  counter += 1;
  const dir = path.join(scratch, String(counter));
  mkdirSync(dir);
  return dir;
}

async function withStore(work: (store: Store) => Promise<void>): Promise<void> {
  const store = await openStore({ dataDir: tempDir() });
  try {
    await work(store);
  } finally {
    await store.close();
  }
}

function record(id: string, modified: string, fixed = '1.0.1', extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    id,
    modified,
    summary: `${id} at ${modified}`,
    affected: [{ package: { ecosystem: 'npm', name: 'demo' }, ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed }] }] }],
    ...extra,
  });
}

function fixtureFile(relative: string): string {
  return readFileSync(path.join(fixtureDir, relative), 'utf8');
}

async function storedSummary(store: Store, id: string): Promise<string | null | undefined> {
  const row = await store.db.selectFrom('advisories').select('summary').where('id', '=', id).executeTakeFirst();
  return row?.summary;
}

test('import: fixture directory', async () => {
  await withStore(async (store) => {
    const result = await importAdvisories(store, fixtureDir);

    assert.equal(result.imported, 15);
    assert.equal(result.updated, 0);
    assert.equal(result.unchanged, 0);
    assert.deepEqual(result.skipped, []);
    assert.equal(result.ecosystems['Debian:12'], 5);
    assert.equal(result.ecosystems['Debian:11'], 2);
    assert.equal(result.ecosystems['Debian'], 1);
    assert.equal(result.ecosystems['npm'], 3);

    const row = await store.db.selectFrom('advisories').selectAll().where('id', '=', 'DEBIAN-CVE-2023-50495').executeTakeFirstOrThrow();
    assert.equal(row.severity, 'medium');
    assert.equal(row.score, 6.5);
    assert.deepEqual(JSON.parse(row.aliases), ['CVE-2023-50495']);
    assert.equal(row.source, fixtureDir);
  });
});

test('import: re-import is idempotent', async () => {
  await withStore(async (store) => {
    await importAdvisories(store, fixtureDir);
    const countRows = async () => (await store.db.selectFrom('advisory_affected').select('id').execute()).length;
    const before = await countRows();

    const again = await importAdvisories(store, fixtureDir);

    assert.equal(again.imported, 0);
    assert.equal(again.updated, 0);
    assert.equal(again.unchanged, 15);
    assert.equal(await countRows(), before);
  });
});

test('import: zip with colons in names', async () => {
  await withStore(async (store) => {
    const zip = path.join(tempDir(), 'all.zip');
    writeFileSync(
      zip,
      writeZip([
        { name: 'almalinux9/', data: '' },
        { name: 'almalinux9/ALSA-2024:2447.json', data: fixtureFile('almalinux/ALSA-2024-2447.json'), deflate: true },
        { name: 'Debian/DSA-5532-1.json', data: fixtureFile('debian/DSA-5532-1.json') },
        { name: 'README.txt', data: 'not an advisory' },
      ]),
    );

    const result = await importAdvisories(store, zip);

    assert.equal(result.imported, 2);
    assert.deepEqual(result.skipped, []);
    assert.equal(await storedSummary(store, 'ALSA-2024:2447'), 'Moderate: openssl and openssl-fips-provider security update');
    const alma = await store.db.selectFrom('advisories').select('severity').where('id', '=', 'ALSA-2024:2447').executeTakeFirstOrThrow();
    assert.equal(alma.severity, 'medium');
  });
});

test('import: malformed records skipped by name', async () => {
  await withStore(async (store) => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'GOOD-1.json'), record('GOOD-1', '2024-01-01T00:00:00Z'));
    writeFileSync(path.join(dir, 'broken.json'), '{"id": "BROKEN-1", ');
    writeFileSync(path.join(dir, 'no-id.json'), JSON.stringify({ modified: '2024-01-01T00:00:00Z' }));
    writeFileSync(path.join(dir, 'no-modified.json'), JSON.stringify({ id: 'NOMOD-1' }));
    writeFileSync(path.join(dir, 'bad-event.json'), record('BAD-1', '2024-01-01T00:00:00Z', '1', { affected: [{ package: { ecosystem: 'npm', name: 'x' }, ranges: [{ type: 'SEMVER', events: [{}] }] }] }));
    writeFileSync(path.join(dir, 'notes.txt'), 'ignored');

    const result = await importAdvisories(store, dir);

    assert.equal(result.imported, 1);
    const reasons = Object.fromEntries(result.skipped.map((skip) => [skip.file, skip.reason]));
    assert.deepEqual(Object.keys(reasons).sort(), ['bad-event.json', 'broken.json', 'no-id.json', 'no-modified.json']);
    assert.match(reasons['broken.json']!, /invalid JSON/);
    assert.match(reasons['no-id.json']!, /^not an OSV record: id:/);
    assert.match(reasons['no-modified.json']!, /^not an OSV record: modified:/);
    assert.match(reasons['bad-event.json']!, /affected\.0\.ranges\.0\.events\.0/);
  });
});

test('import: duplicate id, newer modified wins', async () => {
  await withStore(async (store) => {
    const dir = tempDir();
    mkdirSync(path.join(dir, 'a'));
    mkdirSync(path.join(dir, 'b'));
    writeFileSync(path.join(dir, 'a', 'DUP-1.json'), record('DUP-1', '2024-02-01T00:00:00Z', '2.0.0'));
    writeFileSync(path.join(dir, 'b', 'DUP-1.json'), record('DUP-1', '2024-01-01T00:00:00Z', '1.0.0'));
    writeFileSync(path.join(dir, 'a', 'DUP-2.json'), record('DUP-2', '2024-01-01T00:00:00Z'));
    writeFileSync(path.join(dir, 'b', 'DUP-2.json'), record('DUP-2', '2024-03-01T00:00:00Z'));

    const result = await importAdvisories(store, dir);

    assert.equal(result.imported, 2);
    assert.equal(result.updated, 1);
    assert.equal(result.unchanged, 1);
    assert.equal(await storedSummary(store, 'DUP-1'), 'DUP-1 at 2024-02-01T00:00:00Z');
    assert.equal(await storedSummary(store, 'DUP-2'), 'DUP-2 at 2024-03-01T00:00:00Z');
    const rows = await store.db.selectFrom('advisory_affected').select(['ranges']).where('advisory_id', '=', 'DUP-1').execute();
    assert.equal(rows.length, 1, 'the replaced record leaves no affected rows behind');
    assert.match(rows[0]!.ranges, /"fixed":"2\.0\.0"/);
  });
});

test('import: newer and older against store', async () => {
  await withStore(async (store) => {
    const first = tempDir();
    writeFileSync(path.join(first, 'A.json'), record('A', '2024-02-01T00:00:00Z'));
    writeFileSync(path.join(first, 'B.json'), record('B', '2024-02-01T00:00:00Z'));
    await importAdvisories(store, first);

    const second = tempDir();
    writeFileSync(path.join(second, 'A.json'), record('A', '2024-03-01T00:00:00Z'));
    writeFileSync(path.join(second, 'B.json'), record('B', '2024-01-01T00:00:00Z'));
    const result = await importAdvisories(store, second);

    assert.equal(result.updated, 1);
    assert.equal(result.unchanged, 1);
    assert.equal(await storedSummary(store, 'A'), 'A at 2024-03-01T00:00:00Z');
    assert.equal(await storedSummary(store, 'B'), 'B at 2024-02-01T00:00:00Z');
  });
});

test('import: zip bomb entry rejected', async () => {
  await withStore(async (store) => {
    const zip = path.join(tempDir(), 'bomb.zip');
    const entries: ZipEntry[] = [
      { name: 'bomb.json', data: Buffer.alloc(17 * 1024 * 1024, 0x20), deflate: true },
      { name: 'liar.json', data: Buffer.alloc(17 * 1024 * 1024, 0x20), deflate: true, declaredSize: 100 },
      { name: 'GOOD-1.json', data: record('GOOD-1', '2024-01-01T00:00:00Z'), deflate: true },
    ];
    writeFileSync(zip, writeZip(entries));

    const result = await importAdvisories(store, zip);

    assert.equal(result.imported, 1);
    const reasons = Object.fromEntries(result.skipped.map((skip) => [skip.file, skip.reason]));
    assert.match(reasons['bomb.json'] ?? '', /inflates to 17825792 bytes, over the 16777216-byte limit/);
    assert.match(reasons['liar.json'] ?? '', /inflates past the 16777216-byte limit although its header declares 100 bytes/);
  });
});

test('import: file that is not a zip', async () => {
  await withStore(async (store) => {
    const file = path.join(tempDir(), 'all.zip');
    writeFileSync(file, 'this is not a zip archive');
    await assert.rejects(importAdvisories(store, file), (error: unknown) => {
      assert.ok(error instanceof BosunError);
      assert.equal(error.code, 'advisory.invalid');
      assert.match(error.message, /failed to open zip/);
      return true;
    });
  });
});

test('import: total size cap aborts', async () => {
  await withStore(async (store) => {
    const dir = tempDir();
    for (const id of ['T-1', 'T-2', 'T-3']) writeFileSync(path.join(dir, `${id}.json`), record(id, '2024-01-01T00:00:00Z'));

    await assert.rejects(importAdvisories(store, dir, { limits: { maxTotalBytes: 400 } }), /exceeds 400 bytes uncompressed/);
    const rows = await store.db.selectFrom('advisories').select('id').execute();
    assert.deepEqual(rows, [], 'a failed import stores nothing');
  });
});

test('import: symbolic link not followed', async () => {
  await withStore(async (store) => {
    const outside = tempDir();
    writeFileSync(path.join(outside, 'OUT-1.json'), record('OUT-1', '2024-01-01T00:00:00Z'));
    const dir = tempDir();
    symlinkSync(path.join(outside, 'OUT-1.json'), path.join(dir, 'OUT-1.json'));

    const result = await importAdvisories(store, dir);

    assert.equal(result.imported, 0);
    assert.deepEqual(result.skipped, [{ file: 'OUT-1.json', reason: 'symbolic link not followed' }]);
  });
});

test('import: missing source', async () => {
  await withStore(async (store) => {
    await assert.rejects(importAdvisories(store, path.join(scratch, 'absent')), (error: unknown) => {
      assert.ok(error instanceof BosunError);
      assert.equal(error.code, 'input.invalid');
      assert.match(error.message, /not found/);
      return true;
    });
    await assert.rejects(importAdvisories(store, 'ftp://example.invalid/all.zip'), /unsupported advisory source/);
  });
});

/** Serves zips from memory on 127.0.0.1 and records the paths requested. */
async function startFeedServer(files: Record<string, Buffer>): Promise<{ server: Server; baseUrl: string; requests: string[] }> {
  const requests: string[] = [];
  const server = createServer((request, response) => {
    const url = request.url ?? '';
    requests.push(url);
    const body = files[url];
    if (url === '/redirect/Demo/all.zip') {
      response.writeHead(302, { location: '/osv/Demo/all.zip' }).end();
    } else if (body) {
      response.writeHead(200, { 'content-type': 'application/zip', 'content-length': body.length }).end(body);
    } else {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, baseUrl: `http://127.0.0.1:${port}`, requests };
}

test('import: URL from local server', async () => {
  const zip = writeZip([{ name: 'URL-1.json', data: record('URL-1', '2024-01-01T00:00:00Z'), deflate: true }]);
  const feed = await startFeedServer({ '/osv/Demo/all.zip': zip });
  try {
    await withStore(async (store) => {
      const result = await importAdvisories(store, `${feed.baseUrl}/redirect/Demo/all.zip`);
      assert.equal(result.imported, 1);
      const row = await store.db.selectFrom('advisories').select('source').where('id', '=', 'URL-1').executeTakeFirstOrThrow();
      assert.equal(row.source, `${feed.baseUrl}/redirect/Demo/all.zip`);
    });
  } finally {
    feed.server.close();
  }
});

test('import: URL over the size cap', async () => {
  const zip = writeZip([{ name: 'BIG-1.json', data: record('BIG-1', '2024-01-01T00:00:00Z') }]);
  const feed = await startFeedServer({ '/osv/Demo/all.zip': zip });
  try {
    await withStore(async (store) => {
      await assert.rejects(importAdvisories(store, `${feed.baseUrl}/osv/Demo/all.zip`, { maxDownloadBytes: 64 }), /larger than 64 bytes/);
    });
  } finally {
    feed.server.close();
  }
});

test('update: ecosystems from a base URL', async () => {
  const files = {
    '/osv/npm/all.zip': writeZip([{ name: 'GHSA-p6mc-m468-83gw.json', data: fixtureFile('npm/GHSA-p6mc-m468-83gw.json'), deflate: true }]),
    '/osv/Rocky%20Linux/all.zip': writeZip([{ name: 'RLSA-1.json', data: record('RLSA-1', '2024-01-01T00:00:00Z') }]),
  };
  const feed = await startFeedServer(files);
  try {
    await withStore(async (store) => {
      const updates = await updateAdvisories(store, { baseUrl: `${feed.baseUrl}/osv/`, ecosystems: ['npm', 'Rocky Linux'] });

      assert.deepEqual(
        updates.map((update) => [update.ecosystem, update.result.imported]),
        [
          ['npm', 1],
          ['Rocky Linux', 1],
        ],
      );
      assert.deepEqual(feed.requests, ['/osv/npm/all.zip', '/osv/Rocky%20Linux/all.zip']);

      const status = await advisoryStatus(store);
      assert.equal(status.total, 2);
      const npm = status.ecosystems.find((entry) => entry.ecosystem === 'npm');
      assert.equal(npm?.advisories, 2);
      assert.equal(npm?.sources.length, 2);
      assert.ok(status.lastUpdated);

      await assert.rejects(updateAdvisories(store, { baseUrl: `${feed.baseUrl}/osv`, ecosystems: ['Nope'] }), (error: unknown) => {
        assert.ok(error instanceof BosunError);
        assert.equal(error.code, 'advisory.not_found');
        assert.match(error.message, /HTTP 404/);
        return true;
      });
    });
  } finally {
    feed.server.close();
  }
});

test('status: counts and withdrawn', async () => {
  await withStore(async (store) => {
    await importAdvisories(store, fixtureDir, { now: () => new Date('2024-06-01T00:00:00Z') });

    const status = await advisoryStatus(store);

    assert.equal(status.total, 15);
    assert.equal(status.withdrawn, 1);
    assert.equal(status.lastUpdated, '2024-06-01T00:00:00.000Z');
    const debian12 = status.ecosystems.find((entry) => entry.ecosystem === 'Debian:12');
    assert.equal(debian12?.advisories, 5);
    assert.deepEqual(debian12?.sources, [{ source: fixtureDir, records: 5, updatedAt: '2024-06-01T00:00:00.000Z' }]);
  });
});

test('match: packages against the store', async () => {
  await withStore(async (store) => {
    await importAdvisories(store, fixtureDir);
    const debian: OsInfo = { id: 'debian', version: '12', source: 'etc/os-release' };
    const layer = `sha256:${'b'.repeat(64)}` as DiffId;
    const packages: Package[] = [
      { name: 'libssl3', version: '3.0.9-1', type: 'deb', sourceName: 'openssl', purl: 'pkg:deb/debian/libssl3@3.0.9-1', layer, foundIn: 'var/lib/dpkg/status' },
      { name: 'left-pad', version: '1.0.0', type: 'npm', purl: 'pkg:npm/left-pad@1.0.0', layer, foundIn: 'package-lock.json' },
      { name: 'lodash', version: '4.17.16', type: 'npm', purl: 'pkg:npm/lodash@4.17.16', layer, foundIn: 'package-lock.json' },
    ];

    const findings = await matchPackages(store, debian, packages);

    assert.deepEqual(
      findings.map((finding) => [finding.advisoryId, finding.package.name, finding.fixedVersion, finding.state]).sort(),
      [
        ['DSA-5532-1', 'libssl3', '3.0.11-1~deb12u2', 'fixed-available'],
        ['GHSA-p6mc-m468-83gw', 'lodash', '4.17.21', 'fixed-available'],
      ],
    );
    const lodash = findings.find((finding) => finding.package.name === 'lodash');
    assert.equal(lodash?.severity, 'high');
  });
});
