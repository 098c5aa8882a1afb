import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ecosystemsForOs, queryForPackage, releaseApplies, splitEcosystem, unfixedState } from '../../../src/advisory/index.js';
import type { OsInfo, Package, PackageType } from '../../../src/catalog/types.js';
import type { DiffId } from '../../../src/common/digest.js';

const os = (id: string, version: string, codename?: string): OsInfo => ({ id, version, source: 'etc/os-release', ...(codename && { codename }) });

const osCases: Array<[OsInfo, string[]]> = [
  [os('debian', '12'), ['Debian:12']],
  [os('debian', '', 'trixie'), ['Debian:13']],
  [os('ubuntu', '22.04'), ['Ubuntu:22.04:LTS']],
  [os('ubuntu', '23.10'), ['Ubuntu:23.10']],
  [os('alpine', '3.20.1'), ['Alpine:v3.20']],
  [os('almalinux', '9.4'), ['AlmaLinux:9']],
  [os('rocky', '9.3'), ['Rocky Linux:9']],
  [os('rhel', '9.4'), ['Red Hat']],
  [os('fedora', '40'), []],
];

for (const [info, expected] of osCases) {
  test(`ecosystem: ${info.id} ${info.version || info.codename}`, () => {
    assert.deepEqual(ecosystemsForOs(info), expected);
  });
}

const splitCases: Array<[string, string, string | undefined]> = [
  ['Debian:12', 'Debian', '12'],
  ['Ubuntu:22.04:LTS', 'Ubuntu', '22.04'],
  ['Ubuntu:Pro:22.04:LTS', 'Ubuntu', 'Pro:22.04'],
  ['Ubuntu:24.10', 'Ubuntu', '24.10'],
  ['Alpine:v3.20', 'Alpine', 'v3.20'],
  ['Red Hat:enterprise_linux:9::appstream', 'Red Hat', 'enterprise_linux:9::appstream'],
  ['npm', 'npm', undefined],
  ['Debian:', 'Debian', undefined],
];

for (const [ecosystem, base, release] of splitCases) {
  test(`ecosystem: split ${ecosystem}`, () => {
    assert.deepEqual(splitEcosystem(ecosystem), { ecosystem, base, release });
  });
}

test('ecosystem: RHEL product streams', () => {
  assert.equal(releaseApplies('Red Hat', 'enterprise_linux:9::appstream', '9'), true);
  assert.equal(releaseApplies('Red Hat', 'rhel_eus:9.2::baseos', '9'), true);
  assert.equal(releaseApplies('Red Hat', 'enterprise_linux:8::appstream', '9'), false);
  assert.equal(releaseApplies('Red Hat', 'rhel_eus:90.1::baseos', '9'), false);
  assert.equal(releaseApplies('Debian', undefined, '12'), true);
  assert.equal(releaseApplies('Debian', '12', undefined), false);
});

const LAYER = `sha256:${'c'.repeat(64)}` as DiffId;
const pkg = (type: PackageType, name: string, version: string, purl: string, extra: Partial<Package> = {}): Package => ({
  name,
  version,
  type,
  purl,
  layer: LAYER,
  foundIn: 'test',
  ...extra,
});

const queryCases: Array<[string, OsInfo | undefined, Package, object | undefined]> = [
  ['deb by source', os('debian', '12'), pkg('deb', 'libssl3', '3.0.9-1', 'pkg:deb/debian/libssl3@3.0.9-1', { sourceName: 'openssl' }), { base: 'Debian', release: '12', name: 'openssl', version: '3.0.9-1', viaSource: true }],
  ['deb own name', os('debian', '12'), pkg('deb', 'bash', '5.2.15-2+b7', 'pkg:deb/debian/bash@5.2.15-2+b7', { sourceName: 'bash', sourceVersion: '5.2.15-2' }), { base: 'Debian', release: '12', name: 'bash', version: '5.2.15-2', viaSource: true }],
  ['deb without source', os('debian', '12'), pkg('deb', 'tar', '1.34', 'pkg:deb/debian/tar@1.34'), { base: 'Debian', release: '12', name: 'tar', version: '1.34', viaSource: false }],
  ['apk by origin', os('alpine', '3.20.1'), pkg('apk', 'libcrypto3', '3.3.1-r0', 'pkg:apk/alpine/libcrypto3@3.3.1-r0', { sourceName: 'openssl' }), { base: 'Alpine', release: 'v3.20', name: 'openssl', version: '3.3.1-r0', viaSource: true }],
  ['rpm by binary', os('almalinux', '9.4'), pkg('rpm', 'openssl-libs', '1:3.0.7-27.el9', 'pkg:rpm/almalinux/openssl-libs@1:3.0.7-27.el9', { sourceName: 'openssl' }), { base: 'AlmaLinux', release: '9', name: 'openssl-libs', version: '1:3.0.7-27.el9', viaSource: false }],
  ['deb on Alpine', os('alpine', '3.20.1'), pkg('deb', 'tar', '1.34', 'pkg:deb/debian/tar@1.34'), undefined],
  ['deb without OS', undefined, pkg('deb', 'tar', '1.34', 'pkg:deb/debian/tar@1.34'), undefined],
  ['scoped npm', undefined, pkg('npm', '@babel/core', '7.0.0', 'pkg:npm/%40babel/core@7.0.0'), { base: 'npm', release: undefined, name: '@babel/core', version: '7.0.0', viaSource: false }],
  ['PyPI name normalised', undefined, pkg('pypi', 'Django_REST', '1.0', 'pkg:pypi/Django_REST@1.0'), { base: 'PyPI', release: undefined, name: 'django-rest', version: '1.0', viaSource: false }],
  ['Go module v prefix', undefined, pkg('golang', 'github.com/foo/bar', 'v1.2.3', 'pkg:golang/github.com/foo/bar@v1.2.3'), { base: 'Go', release: undefined, name: 'github.com/foo/bar', version: '1.2.3', viaSource: false }],
  ['Maven group and artifact', undefined, pkg('maven', 'log4j-core', '2.14.1', 'pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1'), { base: 'Maven', release: undefined, name: 'org.apache.logging.log4j:log4j-core', version: '2.14.1', viaSource: false }],
  ['cargo crate', undefined, pkg('generic', 'regex', '1.5.4', 'pkg:cargo/regex@1.5.4'), { base: 'crates.io', release: undefined, name: 'regex', version: '1.5.4', viaSource: false }],
  ['generic package', undefined, pkg('generic', 'thing', '1.0', 'pkg:generic/thing@1.0'), undefined],
];

for (const [name, info, input, expected] of queryCases) {
  test(`ecosystem: query ${name}`, () => {
    assert.deepEqual(queryForPackage(info, input), expected);
  });
}

test('ecosystem: Debian wont-fix markers', () => {
  const state = (ecosystemSpecific: Record<string, unknown>, databaseSpecific: Record<string, unknown> = {}) =>
    unfixedState('Debian', { ecosystemSpecific, databaseSpecific });
  assert.equal(state({ urgency: 'unimportant' }), 'wont-fix');
  assert.equal(state({ urgency: 'end-of-life' }), 'wont-fix');
  assert.equal(state({ urgency: 'low' }, { nodsa: 'Minor issue' }), 'wont-fix');
  assert.equal(state({}, { status: 'ignored' }), 'wont-fix');
  assert.equal(state({ urgency: 'low' }), 'unfixed');
  assert.equal(state({ urgency: 'not yet assigned' }), 'unfixed');
  assert.equal(unfixedState('Ubuntu', { ecosystemSpecific: { urgency: 'unimportant' }, databaseSpecific: {} }), 'unfixed');
  assert.equal(unfixedState('Ubuntu', { ecosystemSpecific: { status: 'ignored' }, databaseSpecific: {} }), 'wont-fix');
  assert.equal(unfixedState('npm', { ecosystemSpecific: { urgency: 'unimportant' }, databaseSpecific: {} }), 'unfixed');
});
