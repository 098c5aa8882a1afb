import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { dpkgCataloguer, parseSourceField } from '../../../src/catalog/dpkg/index.js';
import { parseStanzas } from '../../../src/catalog/dpkg/stanza.js';
import type { FileResult } from '../../../src/catalog/types.js';

const fixtureDir = new URL('../../fixtures/catalog/dpkg/', import.meta.url);
const entry = (path: string) => ({ path, type: 'file' as const, mode: 0o644, size: 100 });

async function parseFixture(path: string, fixture: string): Promise<FileResult> {
  return dpkgCataloguer.parse(path, readFileSync(new URL(fixture, fixtureDir)));
}

test('dpkg status installed packages', async () => {
  const result = await parseFixture('var/lib/dpkg/status', 'status');
  const found = result.packages.map((pkg) => `${pkg.name} ${pkg.version} ${pkg.arch}`);
  assert.deepEqual(found, [
    'adduser 3.134 all',
    'bash 5.2.15-2+b13 amd64',
    'bsdutils 1:2.38.1-5+deb12u3 amd64',
    'libc6 2.36-9+deb12u4 amd64',
    'libc6 2.36-9+deb12u4 i386',
    'tzdata 2024a-0+deb12u1 all',
  ]);
  assert.deepEqual(result.warnings, []);
});

test('dpkg status excludes not installed', async () => {
  const result = await parseFixture('var/lib/dpkg/status', 'status');
  const names = new Set(result.packages.map((pkg) => pkg.name));
  for (const excluded of ['libsemanage-common', 'libgnutls30', 'mawk', 'curl', 'not-a-package']) {
    assert.equal(names.has(excluded), false, excluded);
  }
});

test('dpkg status source and purl', async () => {
  const result = await parseFixture('var/lib/dpkg/status', 'status');
  const byName = new Map(result.packages.map((pkg) => [`${pkg.name}:${pkg.arch}`, pkg]));

  const bsdutils = byName.get('bsdutils:amd64')!;
  assert.equal(bsdutils.sourceName, 'util-linux');
  assert.equal(bsdutils.sourceVersion, '2.38.1-5+deb12u3');
  assert.equal(bsdutils.type, 'deb');
  assert.equal(bsdutils.foundIn, 'var/lib/dpkg/status');
  assert.equal(bsdutils.purl, 'pkg:deb/debian/bsdutils@1:2.38.1-5+deb12u3?arch=amd64');

  const libc = byName.get('libc6:i386')!;
  assert.equal(libc.sourceName, 'glibc');
  assert.equal(libc.sourceVersion, '2.36-9+deb12u4');

  const adduser = byName.get('adduser:all')!;
  assert.equal(adduser.sourceName, 'adduser');
  assert.equal(adduser.sourceVersion, '3.134');
  assert.equal(adduser.licenses, undefined);
});

test('dpkg status.d reads every stanza', async () => {
  const base = await parseFixture('var/lib/dpkg/status.d/base', 'status.d/base');
  assert.deepEqual(base.packages.map((pkg) => `${pkg.name} ${pkg.version}`), ['base-files 12.4+deb12u5', 'netbase 6.4']);
  assert.equal(base.packages[0]!.foundIn, 'var/lib/dpkg/status.d/base');

  const ssl = await parseFixture('var/lib/dpkg/status.d/libssl3', 'status.d/libssl3');
  assert.deepEqual(ssl.packages.map((pkg) => `${pkg.name} ${pkg.sourceName} ${pkg.version}`), ['libssl3 openssl 3.0.13-1~deb12u1']);
});

test('dpkg wants status.d without md5sums', () => {
  const wanted = readdirSync(new URL('status.d/', fixtureDir))
    .map((name) => `var/lib/dpkg/status.d/${name}`)
    .filter((path) => dpkgCataloguer.wants(entry(path)));
  assert.deepEqual(wanted.sort(), ['var/lib/dpkg/status.d/base', 'var/lib/dpkg/status.d/libssl3']);

  assert.equal(dpkgCataloguer.wants(entry('var/lib/dpkg/status')), true);
  for (const path of ['var/lib/dpkg/status-old', 'var/lib/dpkg/status.d', 'var/lib/dpkg/status.d/sub/x', 'var/lib/dpkg/available']) {
    assert.equal(dpkgCataloguer.wants(entry(path)), false, path);
  }
});

test('dpkg malformed stanzas warn', async () => {
  const text = [
    'Package: good',
    'Status: install ok installed',
    'Version: 1.0',
    'this line has no colon',
    '',
    'Package: noversion',
    'Status: install ok installed',
    '',
    ' orphan continuation',
  ].join('\n');
  const result = await dpkgCataloguer.parse('var/lib/dpkg/status', Buffer.from(text));
  assert.deepEqual(result.packages.map((pkg) => pkg.name), ['good']);
  assert.deepEqual(result.warnings.map((warning) => warning.code).sort(), [
    'catalog.dpkg-incomplete',
    'catalog.dpkg-invalid-line',
    'catalog.dpkg-invalid-line',
  ]);
  assert.ok(result.warnings.every((warning) => warning.path === 'var/lib/dpkg/status'));
});

test('stanza continuation lines', () => {
  const { stanzas, problems } = parseStanzas('Package: a\nDescription: one\n two\n .\n three\n\n\nPackage: b\r\nVersion: 2\r\n');
  assert.equal(stanzas.length, 2);
  assert.equal(stanzas[0]!.fields.get('description'), 'one\ntwo\n.\nthree');
  assert.equal(stanzas[1]!.fields.get('version'), '2');
  assert.equal(stanzas[1]!.line, 8);
  assert.deepEqual(problems, []);
});

test('Source field table', () => {
  const cases: Array<[string | undefined, ReturnType<typeof parseSourceField>]> = [
    ['glibc', { name: 'glibc' }],
    ['util-linux (2.38.1-5+deb12u3)', { name: 'util-linux', version: '2.38.1-5+deb12u3' }],
    ['  bash   (5.2.15-2)  ', { name: 'bash', version: '5.2.15-2' }],
    ['two words', undefined],
    ['', undefined],
    [undefined, undefined],
  ];
  for (const [value, expected] of cases) assert.deepEqual(parseSourceField(value), expected, String(value));
});
