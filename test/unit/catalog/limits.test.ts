import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cataloguers } from '../../../src/catalog/index.js';
import { scanLayer } from '../../../src/catalog/layer-scan.js';
import { MAX_FIELD_CHARS, MAX_OS_RELEASE_VALUE_CHARS, MAX_PACKAGES_PER_FILE } from '../../../src/catalog/limits.js';
import type { FileResult } from '../../../src/catalog/types.js';
import { buildLayer, type TestEntry } from './layers.js';

const DPKG_ENTRY = 'Package: bash\nStatus: install ok installed\nVersion: 5.2.15-2+b2\nArchitecture: amd64\n';

async function scan(entries: TestEntry[]) {
  const layer = await buildLayer(entries);
  return { layer, result: await scanLayer(layer, cataloguers) };
}

function codes(file: FileResult | undefined): string[] {
  return (file?.warnings ?? []).map((warning) => warning.code);
}

test('oversized os-release is not read', async () => {
  const { layer, result } = await scan([{ path: 'etc/os-release', content: `ID=${'x'.repeat(1024 * 1024)}\n` }]);
  assert.equal(result.files['etc/os-release'], undefined);
  const warning = result.warnings.find((candidate) => candidate.code === 'layer.file-too-large');
  assert.ok(warning, JSON.stringify(result.warnings));
  assert.equal(warning.path, 'etc/os-release');
  assert.equal(warning.layer, layer.diffId);
  assert.match(warning.message, /over the maximum of 65536/);
});

test('long os-release value is truncated', async () => {
  const { layer, result } = await scan([{ path: 'etc/os-release', content: `ID=debian\nVERSION_ID=12\nPRETTY_NAME="${'p'.repeat(10_000)}"\n` }]);
  const file = result.files['etc/os-release'];
  assert.equal(file?.os?.id, 'debian');
  assert.equal(file?.os?.prettyName?.length, MAX_OS_RELEASE_VALUE_CHARS);
  assert.deepEqual(codes(file), ['catalog.field-too-long']);
  assert.equal(file?.warnings[0]?.path, 'etc/os-release');
  assert.equal(file?.warnings[0]?.layer, layer.diffId);
  assert.match(file?.warnings[0]?.message ?? '', /PRETTY_NAME in etc\/os-release/);
});

test('long dpkg field is truncated', async () => {
  const description = `Description: shell\n${' more text\n'.repeat(20_000)}`;
  const { result } = await scan([{ path: 'var/lib/dpkg/status', content: `${DPKG_ENTRY}${description}` }]);
  const file = result.files['var/lib/dpkg/status'];
  assert.deepEqual(file?.packages.map((pkg) => pkg.name), ['bash']);
  assert.deepEqual(codes(file), ['catalog.field-too-long']);
  assert.match(file?.warnings[0]?.message ?? '', new RegExp(`description in var/lib/dpkg/status is longer than ${MAX_FIELD_CHARS}`));
});

test('long apk field is truncated', async () => {
  const { result } = await scan([{ path: 'lib/apk/db/installed', content: `P:musl\nV:1.2.5-r0\nL:${'m'.repeat(MAX_FIELD_CHARS + 1)}\n\n` }]);
  const file = result.files['lib/apk/db/installed'];
  assert.equal(file?.packages[0]?.licenses?.[0]?.length, MAX_FIELD_CHARS);
  assert.deepEqual(codes(file), ['catalog.field-too-long']);
});

test('package count per file is capped', async () => {
  const { result } = await scan([{ path: 'lib/apk/db/installed', content: 'P:a\nV:1-r0\n\n'.repeat(MAX_PACKAGES_PER_FILE + 5) }]);
  const file = result.files['lib/apk/db/installed'];
  assert.equal(file?.packages.length, MAX_PACKAGES_PER_FILE);
  assert.deepEqual(codes(file), ['catalog.too-many-packages']);
});

test('symlinked dpkg status warns', async () => {
  for (const target of ['/etc/passwd', '../../../etc/passwd', '../../../../../../etc/passwd']) {
    const { layer, result } = await scan([
      { path: 'etc/passwd', content: 'root:x:0:0:root:/root:/bin/sh\n' },
      { path: 'var/lib/dpkg/status', symlink: target },
    ]);
    const file = result.files['var/lib/dpkg/status'];
    assert.deepEqual(codes(file), ['catalog.symlink-not-followed'], target);
    assert.equal(file?.packages.length, 0);
    assert.equal(file?.warnings[0]?.path, 'var/lib/dpkg/status');
    assert.equal(file?.warnings[0]?.layer, layer.diffId);
    assert.ok(file?.warnings[0]?.message.includes(target), file?.warnings[0]?.message);
  }
});

test('symlink to wanted file is silent', async () => {
  const { result } = await scan([
    { path: 'usr/lib/os-release', content: 'ID=debian\nVERSION_ID=12\n' },
    { path: 'etc/os-release', symlink: '../usr/lib/os-release' },
  ]);
  assert.equal(result.files['etc/os-release'], undefined);
  assert.equal(result.files['usr/lib/os-release']?.os?.id, 'debian');
  assert.deepEqual(result.warnings, []);
});
