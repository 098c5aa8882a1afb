/**
 * Benchmarks the monitor's re-match of stored images.
 *
 *   node --import tsx bench/rematch.bench.ts
 *
 * Stores 200 Debian 12 images of 300 packages each (images share most packages, as images built
 * on one base do) and 5,000 generated Debian advisories in a fresh SQLite store, then times
 * `rematchImages` twice: the first run inserts every finding, the second finds nothing changed.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { importAdvisories } from '../src/advisory/index.js';
import type { OsInfo, Package } from '../src/catalog/types.js';
import { rematchImages } from '../src/monitor/index.js';
import { openStore, type Store } from '../src/store/index.js';

const IMAGES = 200;
const PACKAGES_PER_IMAGE = 300;
const SOURCE_PACKAGES = 1_000;
const ADVISORIES = 5_000;
/** Advisories spread over this many source names; about half of the images' packages have one. */
const ADVISORY_NAMES = 10_000;
const DEBIAN: OsInfo = { id: 'debian', version: '12', codename: 'bookworm', source: 'etc/os-release' };

function packagesOf(image: number): Package[] {
  const packages: Package[] = [];
  for (let i = 0; i < PACKAGES_PER_IMAGE; i++) {
    // 250 packages from a shared base, 50 that differ per image.
    const n = i < 250 ? i : 250 + ((image * 50 + i) % (SOURCE_PACKAGES - 250));
    packages.push({
      name: `bin${n}`,
      version: `1.${n % 40}-1`,
      type: 'deb',
      sourceName: `src${n}`,
      sourceVersion: `1.${n % 40}-1`,
      purl: `pkg:deb/debian/bin${n}@1.${n % 40}-1?arch=amd64&distro=debian-12`,
      layer: `sha256:${String(image % 10).repeat(64)}` as Package['layer'],
      foundIn: 'var/lib/dpkg/status',
    });
  }
  return packages;
}

function writeAdvisories(dir: string): void {
  mkdirSync(dir, { recursive: true });
  for (let i = 0; i < ADVISORIES; i++) {
    const record = {
      id: `BENCH-DEB-${i}`,
      modified: '2099-01-01T00:00:00Z',
      summary: `generated advisory ${i}`,
      affected: [
        {
          package: { ecosystem: 'Debian:12', name: `src${(i * 2) % ADVISORY_NAMES}` },
          ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, ...(i % 3 === 0 ? [] : [{ fixed: `1.${i % 50}-2` }])] }],
        },
      ],
    };
    writeFileSync(path.join(dir, `${record.id}.json`), JSON.stringify(record));
  }
}

async function storeImages(store: Store): Promise<void> {
  const now = new Date().toISOString();
  for (let image = 0; image < IMAGES; image++) {
    await store.db
      .insertInto('images')
      .values({
        config_digest: `sha256:${image.toString(16).padStart(64, '0')}`,
        manifest_digest: null,
        references: JSON.stringify([`bench/image-${image}:1`]),
        diff_ids: '[]',
        os: JSON.stringify(DEBIAN),
        packages: JSON.stringify(packagesOf(image)),
        annotations: '{}',
        cataloguer_key: 'bench',
        first_seen_at: now,
        scanned_at: now,
      })
      .execute();
  }
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'bosun-bench-rematch-'));
try {
  const store = await openStore({ dataDir: path.join(dir, 'data') });
  writeAdvisories(path.join(dir, 'osv'));
  await importAdvisories(store, path.join(dir, 'osv'));
  await storeImages(store);

  const first = await rematchImages(store);
  console.log(`first re-match: ${IMAGES} images x ${PACKAGES_PER_IMAGE} packages, ${first.added} findings inserted in ${first.durationMs} ms`);
  const second = await rematchImages(store);
  console.log(`second re-match: ${second.added} added, ${second.changed} changed, ${second.resolved} resolved in ${second.durationMs} ms`);
  await store.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
