import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { apkCataloguer } from '../../../src/catalog/apk/index.js';

const installed = readFileSync(new URL('../../fixtures/catalog/apk/installed', import.meta.url));
const PATH = 'lib/apk/db/installed';

test('apk installed db packages', async () => {
  const result = await apkCataloguer.parse(PATH, installed);
  assert.deepEqual(
    result.packages.map((pkg) => [pkg.name, pkg.version, pkg.arch, pkg.sourceName, pkg.licenses]),
    [
      ['musl', '1.2.5-r0', 'x86_64', 'musl', ['MIT']],
      ['libcrypto3', '3.3.1-r0', 'x86_64', 'openssl', ['Apache-2.0']],
      ['busybox-binsh', '1.36.1-r29', 'x86_64', 'busybox', ['GPL-2.0-only']],
    ],
  );
  const crypto = result.packages[1]!;
  assert.equal(crypto.type, 'apk');
  assert.equal(crypto.sourceVersion, '3.3.1-r0');
  assert.equal(crypto.foundIn, PATH);
  assert.equal(crypto.purl, 'pkg:apk/alpine/libcrypto3@3.3.1-r0?arch=x86_64');
});

test('apk entry without version warns', async () => {
  const result = await apkCataloguer.parse(PATH, installed);
  assert.equal(result.warnings.length, 1);
  assert.equal(result.warnings[0]!.code, 'catalog.apk-incomplete');
  assert.match(result.warnings[0]!.message, /line 49 of lib\/apk\/db\/installed/);
});

test('apk wants only the installed db', () => {
  const entry = (path: string) => ({ path, type: 'file' as const, mode: 0o644, size: 1 });
  assert.equal(apkCataloguer.wants(entry(PATH)), true);
  assert.equal(apkCataloguer.wants(entry('lib/apk/db/triggers')), false);
  assert.equal(apkCataloguer.wants(entry('usr/lib/apk/db/installed')), false);
});

test('apk missing origin and blank lines', async () => {
  const text = '\n\nP:solo\nV:1-r0\n\n\n\nP:other\nV:2-r1\nA:aarch64\n';
  const result = await apkCataloguer.parse(PATH, Buffer.from(text));
  assert.deepEqual(result.packages.map((pkg) => `${pkg.name}/${pkg.sourceName}/${pkg.arch ?? '-'}`), ['solo/solo/-', 'other/other/aarch64']);
  assert.equal(result.packages[0]!.purl, 'pkg:apk/alpine/solo@1-r0');
  assert.deepEqual(result.warnings, []);
});
