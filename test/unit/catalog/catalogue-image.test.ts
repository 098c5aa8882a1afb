import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import {
  catalogueImage,
  cataloguerKey,
  cataloguers,
  memoryLayerCache,
  scanLayer,
  storeLayerCache,
  type LayerCache,
  type LayerProgress,
  type LayerWalker,
} from '../../../src/catalog/index.js';
import type { Cataloguer } from '../../../src/catalog/types.js';
import type { Digest, DiffId } from '../../../src/common/index.js';
import { walkLayer } from '../../../src/image/layer.js';
import type { LayerRef, OpenedImage } from '../../../src/image/types.js';
import { openStore } from '../../../src/store/index.js';
import { buildLayer } from './layers.js';

const fixtures = new URL('../../fixtures/catalog/', import.meta.url);
const fixture = (name: string): Buffer => readFileSync(new URL(name, fixtures));
const STATUS = 'var/lib/dpkg/status';

const OS_RELEASE = 'ID=debian\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\n';

function status(...packages: Array<[string, string]>): string {
  return packages.map(([name, version]) => `Package: ${name}\nStatus: install ok installed\nArchitecture: amd64\nVersion: ${version}\n`).join('\n');
}

function image(layers: LayerRef[]): OpenedImage {
  return {
    target: 'test:image',
    configDigest: `sha256:${'c'.repeat(64)}` as Digest,
    config: { architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) } },
    annotations: {},
    repoDigests: [],
    layers,
    warnings: [],
    async close() {},
  };
}

/** Wraps walkLayer to record the diffID of every layer it reads. */
function countingWalker(): { walk: LayerWalker; walked: DiffId[] } {
  const walked: DiffId[] = [];
  const walk: LayerWalker = (layer, visitor, options) => {
    walked.push(layer.diffId);
    return walkLayer(layer, visitor, options);
  };
  return { walk, walked };
}

async function baseLayers(): Promise<LayerRef[]> {
  return [
    await buildLayer([
      { path: 'usr/lib/os-release', content: OS_RELEASE },
      { path: 'etc/os-release', symlink: '../usr/lib/os-release' },
      { path: 'etc/debian_version', content: '12.5\n' },
      { path: STATUS, content: status(['base-files', '12.4'], ['libc6', '2.36-9']) },
    ]),
    await buildLayer([{ path: STATUS, content: status(['base-files', '12.4'], ['libc6', '2.36-9'], ['curl', '7.88.1-10']) }]),
  ];
}

test('scanLayer collects files and overlay data', async () => {
  const layer = await buildLayer([
    { path: './etc/os-release', symlink: '../usr/lib/os-release' },
    { path: 'usr/lib/os-release', content: OS_RELEASE },
    { path: 'var/lib/dpkg/status.d/libssl3', content: fixture('dpkg/status.d/libssl3') },
    { path: 'var/lib/dpkg/status.d/libssl3.md5sums', content: fixture('dpkg/status.d/libssl3.md5sums') },
    { path: 'var/lib/rpm/Packages', content: Buffer.alloc(64) },
    { path: 'opt/.wh.old', content: '' },
    { path: 'srv/.wh..wh..opq', content: '' },
  ]);
  const result = await scanLayer(layer, cataloguers);

  assert.equal(result.diffId, layer.diffId);
  assert.deepEqual(Object.keys(result.files).sort(), ['usr/lib/os-release', 'var/lib/dpkg/status.d/libssl3', 'var/lib/rpm/Packages']);
  assert.equal(result.files['usr/lib/os-release']!.os?.id, 'debian');
  assert.deepEqual(result.files['var/lib/dpkg/status.d/libssl3']!.packages.map((pkg) => pkg.name), ['libssl3']);
  assert.equal(result.files['var/lib/rpm/Packages']!.warnings[0]!.code, 'catalog.rpmdb-unsupported');
  assert.equal(result.files['var/lib/rpm/Packages']!.warnings[0]!.layer, layer.diffId);
  assert.deepEqual(result.whiteouts, ['opt/old']);
  assert.deepEqual(result.opaqueDirs, ['srv']);
  assert.ok(result.nonDirectories.includes('etc/os-release'));
  assert.ok(result.bytes > 0);
});

test('scanLayer turns parse errors into warnings', async () => {
  const throwing: Cataloguer = {
    name: 'throwing',
    version: 1,
    wants: (entry) => entry.path === 'bad',
    parse() {
      throw new Error('boom');
    },
  };
  const layer = await buildLayer([
    { path: 'bad', content: 'x' },
    { path: 'var/lib/rpm/rpmdb.sqlite', content: 'not sqlite' },
    { path: STATUS, content: status(['a', '1']) },
  ]);
  const result = await scanLayer(layer, [...cataloguers, throwing]);

  const bad = result.files['bad']!;
  assert.deepEqual(bad.packages, []);
  assert.equal(bad.warnings[0]!.code, 'catalog.parse-failed');
  assert.equal(bad.warnings[0]!.layer, layer.diffId);
  assert.equal(bad.warnings[0]!.path, 'bad');
  assert.match(bad.warnings[0]!.message, /cannot read bad in layer sha256:[0-9a-f]{64} with the throwing cataloguer: boom/);

  const rpmdb = result.files['var/lib/rpm/rpmdb.sqlite']!;
  assert.equal(rpmdb.warnings[0]!.code, 'catalog.parse-failed');
  assert.deepEqual(result.files[STATUS]!.packages.map((pkg) => pkg.name), ['a']);
});

test('scanLayer combines cataloguers on one file', async () => {
  const extra: Cataloguer = {
    name: 'extra',
    version: 1,
    wants: (entry) => entry.path === STATUS,
    parse: () => ({ cataloguer: 'extra', packages: [], warnings: [{ code: 'extra.note', message: 'seen', path: STATUS }] }),
  };
  const layer = await buildLayer([{ path: STATUS, content: status(['a', '1']) }]);
  const result = await scanLayer(layer, [...cataloguers, extra]);
  const file = result.files[STATUS]!;
  assert.equal(file.cataloguer, 'dpkg+extra');
  assert.equal(file.packages.length, 1);
  assert.equal(file.warnings[0]!.layer, layer.diffId);
});

test('catalogueImage end to end on tar layers', async () => {
  const layers = await baseLayers();
  layers.push(await buildLayer([{ path: STATUS, content: status(['base-files', '12.4'], ['libc6', '2.36-9']) }]));
  const progress: LayerProgress[] = [];
  const { catalogue, layers: stats } = await catalogueImage(image(layers), { onLayer: (event) => progress.push(event) });

  assert.deepEqual(catalogue.os, { id: 'debian', version: '12', codename: 'bookworm', source: 'usr/lib/os-release' });
  assert.deepEqual(catalogue.packages.map((pkg) => `${pkg.name}@${pkg.version}`).sort(), ['base-files@12.4', 'libc6@2.36-9']);
  for (const pkg of catalogue.packages) {
    assert.equal(pkg.layer, layers[0]!.diffId, pkg.name);
    assert.match(pkg.purl, /\?arch=amd64&distro=debian-12$/);
  }
  assert.deepEqual(catalogue.warnings, []);
  assert.deepEqual(stats.map((s) => s.cached), [false, false, false]);

  const done = progress.filter((event) => event.done);
  assert.deepEqual(done.map((event) => [event.index, event.count, event.diffId, event.cached]), layers.map((l, i) => [i, 3, l.diffId, false]));
  assert.deepEqual(done.map((event) => event.bytes), stats.map((s) => s.bytes));
});

test('catalogueImage reads only uncached layers', async () => {
  const cache = memoryLayerCache();
  const shared = await baseLayers();
  const first = countingWalker();
  await catalogueImage(image(shared), { cache, walk: first.walk });
  assert.deepEqual(first.walked, shared.map((l) => l.diffId));

  const added = await buildLayer([{ path: STATUS, content: status(['base-files', '12.4'], ['libc6', '2.36-9'], ['curl', '7.88.1-10'], ['jq', '1.6-2.1']) }]);
  const second = countingWalker();
  const result = await catalogueImage(image([...shared, added]), { cache, walk: second.walk });

  assert.deepEqual(second.walked, [added.diffId]);
  assert.deepEqual(result.layers.map((s) => s.cached), [true, true, false]);
  const byName = new Map(result.catalogue.packages.map((pkg) => [pkg.name, pkg.layer]));
  assert.equal(byName.get('libc6'), shared[0]!.diffId);
  assert.equal(byName.get('curl'), shared[1]!.diffId);
  assert.equal(byName.get('jq'), added.diffId);
});

test('catalogueImage cache key follows versions', async () => {
  const cache = memoryLayerCache();
  const layers = await baseLayers();
  await catalogueImage(image(layers), { cache });

  const bumped = cataloguers.map((c) => (c.name === 'dpkg' ? { ...c, version: c.version + 1 } : c));
  assert.notEqual(cataloguerKey(bumped), cataloguerKey(cataloguers));
  const counted = countingWalker();
  const result = await catalogueImage(image(layers), { cache, cataloguers: bumped, walk: counted.walk });
  assert.equal(counted.walked.length, 2);
  assert.deepEqual(result.layers.map((s) => s.cached), [false, false]);
});

test('catalogueImage honours abort', async () => {
  const controller = new AbortController();
  controller.abort(new Error('stopped by test'));
  await assert.rejects(catalogueImage(image(await baseLayers()), { signal: controller.signal }), /stopped by test/);
});

test('cataloguerKey is order independent', () => {
  assert.equal(cataloguerKey(cataloguers), 'apk@2,dpkg@2,os@2,rpm@2');
  assert.equal(cataloguerKey([...cataloguers].reverse()), cataloguerKey(cataloguers));
});

async function cacheContract(cache: LayerCache): Promise<void> {
  const [layer] = await baseLayers();
  const result = await scanLayer(layer!, cataloguers);
  assert.equal(await cache.get(layer!.diffId, 'k1'), undefined);

  await cache.put(result, 'k1');
  assert.deepEqual(await cache.get(layer!.diffId, 'k1'), result);
  assert.equal(await cache.get(layer!.diffId, 'k2'), undefined);

  const changed = { ...result, bytes: result.bytes + 1 };
  await cache.put(changed, 'k1');
  assert.equal((await cache.get(layer!.diffId, 'k1'))?.bytes, result.bytes + 1);
}

test('memory cache contract', async () => {
  await cacheContract(memoryLayerCache());
});

test('store cache contract', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'bosun-catalog-'));
  const store = await openStore({ dataDir: dir });
  try {
    await cacheContract(storeLayerCache(store));

    const diffId = `sha256:${'d'.repeat(64)}`;
    await store.db.insertInto('layers').values({ diff_id: diffId, cataloguer_key: 'k1', result: '{"diffId":1}', created_at: '' }).execute();
    assert.equal(await storeLayerCache(store).get(diffId as DiffId, 'k1'), undefined, 'a row that fails the schema is a miss');
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
