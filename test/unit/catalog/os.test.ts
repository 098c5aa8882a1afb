import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { osCataloguer, osSourceRank } from '../../../src/catalog/os/index.js';
import { parseOsRelease } from '../../../src/catalog/os/os-release.js';
import { parseAlpineRelease, parseDebianVersion, parseRedhatRelease } from '../../../src/catalog/os/release-files.js';
import type { OsInfo } from '../../../src/catalog/types.js';

const fixture = (name: string): Buffer => readFileSync(new URL(`../../fixtures/catalog/os/${name}`, import.meta.url));

async function parseOs(path: string, content: Buffer | string): Promise<OsInfo | undefined> {
  const result = await osCataloguer.parse(path, Buffer.from(content));
  return result.os;
}

test('os-release fixtures', async () => {
  const cases: Array<[string, OsInfo]> = [
    ['debian-12', { id: 'debian', version: '12', codename: 'bookworm', prettyName: 'Debian GNU/Linux 12 (bookworm)', source: 'etc/os-release' }],
    ['alpine-3.20', { id: 'alpine', version: '3.20.1', prettyName: 'Alpine Linux v3.20', source: 'etc/os-release' }],
    ['almalinux-9', { id: 'almalinux', version: '9.4', prettyName: 'AlmaLinux 9.4 (Seafoam Ocelot)', source: 'etc/os-release' }],
  ];
  for (const [name, expected] of cases) {
    assert.deepEqual(await parseOs('etc/os-release', fixture(name)), expected, name);
  }
});

test('os-release quoting and escapes', () => {
  const variables = parseOsRelease(fixture('escaped').toString('utf8'));
  assert.equal(variables.get('ID'), 'my-distro');
  assert.equal(variables.get('VERSION_ID'), '2.0');
  assert.equal(variables.get('PRETTY_NAME'), 'Say "hi" for $5 `now` \\ done\\q');
  assert.equal(variables.get('NAME'), 'unquoted name');
  assert.equal(variables.size, 4);
});

test('os-release value table', () => {
  const cases: Array<[string, string]> = [
    ['ID=debian', 'debian'],
    ['ID="debian"', 'debian'],
    ["ID='deb\\ian'", 'deb\\ian'],
    ['ID="a\\"b"', 'a"b'],
    ['ID="a\\nb"', 'a\\nb'],
    ['ID="unterminated', 'unterminated'],
    ['ID="x" # trailing', 'x'],
    ['ID=  padded  ', 'padded'],
    ['ID=', ''],
  ];
  for (const [line, expected] of cases) {
    assert.equal(parseOsRelease(line).get('ID'), expected, line);
  }
});

test('os-release without VERSION_ID', async () => {
  const debianTesting = 'PRETTY_NAME="Debian GNU/Linux trixie/sid"\nID=debian\nVERSION_CODENAME=trixie\n';
  assert.deepEqual(await parseOs('usr/lib/os-release', debianTesting), {
    id: 'debian',
    version: 'testing',
    codename: 'trixie',
    prettyName: 'Debian GNU/Linux trixie/sid',
    source: 'usr/lib/os-release',
  });
  assert.equal((await parseOs('etc/os-release', 'ID=arch\n'))?.version, '');
});

test('os-release without ID warns', async () => {
  const result = await osCataloguer.parse('etc/os-release', Buffer.from('NAME=Nothing\n'));
  assert.equal(result.os, undefined);
  assert.equal(result.warnings.length, 1);
  assert.equal(result.warnings[0]!.code, 'catalog.os-unrecognised');
  assert.equal(result.warnings[0]!.path, 'etc/os-release');
});

test('debian_version table', () => {
  const cases: Array<[string, Partial<OsInfo> | undefined]> = [
    ['12.5\n', { id: 'debian', version: '12' }],
    ['12.15\n', { id: 'debian', version: '12' }],
    ['11\n', { id: 'debian', version: '11' }],
    ['bookworm/sid\n', { id: 'debian', version: 'testing', codename: 'bookworm' }],
    ['trixie/sid', { id: 'debian', version: 'testing', codename: 'trixie' }],
    ['', undefined],
    ['garbage here', undefined],
  ];
  for (const [text, expected] of cases) {
    const os = parseDebianVersion(text, 'etc/debian_version');
    assert.deepEqual(os, expected && { ...expected, source: 'etc/debian_version' }, JSON.stringify(text));
  }
});

test('alpine-release', () => {
  assert.deepEqual(parseAlpineRelease('3.20.1\n', 'etc/alpine-release'), { id: 'alpine', version: '3.20.1', source: 'etc/alpine-release' });
  assert.equal(parseAlpineRelease('edge\n', 'etc/alpine-release'), undefined);
});

test('redhat-release table', () => {
  const cases: Array<[string, Pick<OsInfo, 'id' | 'version'> & { codename?: string } | undefined]> = [
    ['AlmaLinux release 9.4 (Seafoam Ocelot)\n', { id: 'almalinux', version: '9.4', codename: 'Seafoam Ocelot' }],
    ['Rocky Linux release 9.3 (Blue Onyx)', { id: 'rocky', version: '9.3', codename: 'Blue Onyx' }],
    ['CentOS Linux release 7.9.2009 (Core)', { id: 'centos', version: '7', codename: 'Core' }],
    ['CentOS Stream release 9', { id: 'centos', version: '9' }],
    ['Red Hat Enterprise Linux release 8.10 (Ootpa)', { id: 'rhel', version: '8.10', codename: 'Ootpa' }],
    ['Fedora release 40 (Forty)', { id: 'fedora', version: '40', codename: 'Forty' }],
    ['Some Linux release 1.0', undefined],
    ['AlmaLinux without a version', undefined],
  ];
  for (const [line, expected] of cases) {
    const os = parseRedhatRelease(line, 'etc/redhat-release');
    if (expected === undefined) {
      assert.equal(os, undefined, line);
      continue;
    }
    assert.equal(os?.id, expected.id, line);
    assert.equal(os?.version, expected.version, line);
    assert.equal(os?.codename, expected.codename, line);
    assert.equal(os?.prettyName, line.trim(), line);
  }
});

test('os cataloguer wants and ranks', () => {
  const wanted = ['etc/os-release', 'usr/lib/os-release', 'etc/debian_version', 'etc/alpine-release', 'etc/redhat-release', 'etc/centos-release', 'etc/almalinux-release', 'etc/rocky-release'];
  for (const path of wanted) assert.equal(osCataloguer.wants({ path, type: 'file', mode: 0o644, size: 10 }), true, path);
  for (const path of ['os-release', 'etc/os-release.d/x', 'usr/etc/os-release']) {
    assert.equal(osCataloguer.wants({ path, type: 'file', mode: 0o644, size: 10 }), false, path);
  }
  assert.ok(osSourceRank('etc/os-release') < osSourceRank('usr/lib/os-release'));
  assert.ok(osSourceRank('usr/lib/os-release') < osSourceRank('etc/debian_version'));
  assert.ok(osSourceRank('etc/centos-release') < osSourceRank('etc/redhat-release'));
});
