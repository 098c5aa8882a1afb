import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseOsvRecord, type OsvRecord } from '../../../src/advisory/index.js';
import type { OsInfo, Package, PackageType } from '../../../src/catalog/types.js';
import type { DiffId } from '../../../src/common/digest.js';
import { AdvisoryIndex, matchAgainst, matchReport, type FindingState } from '../../../src/match/index.js';

const fixtureDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/osv');
const LAYER = `sha256:${'a'.repeat(64)}` as DiffId;

function loadFixtures(): OsvRecord[] {
  const records: OsvRecord[] = [];
  for (const dir of readdirSync(fixtureDir)) {
    for (const file of readdirSync(path.join(fixtureDir, dir))) {
      const parsed = parseOsvRecord(JSON.parse(readFileSync(path.join(fixtureDir, dir, file), 'utf8')));
      assert.ok(parsed.ok, `${dir}/${file} must be a valid OSV record: ${parsed.ok ? '' : parsed.reason}`);
      records.push(parsed.record);
    }
  }
  return records;
}

const index = AdvisoryIndex.fromRecords(loadFixtures());

const OS: Record<string, OsInfo> = {
  debian12: { id: 'debian', version: '12', codename: 'bookworm', source: 'etc/os-release' },
  ubuntu2204: { id: 'ubuntu', version: '22.04', codename: 'jammy', source: 'etc/os-release' },
  alpine320: { id: 'alpine', version: '3.20.1', source: 'etc/os-release' },
  alma9: { id: 'almalinux', version: '9.4', source: 'etc/os-release' },
};

function pkg(type: PackageType, name: string, version: string, purl: string, source?: { name: string; version?: string }): Package {
  return {
    name,
    version,
    type,
    purl,
    layer: LAYER,
    foundIn: 'test',
    ...(source && { sourceName: source.name }),
    ...(source?.version && { sourceVersion: source.version }),
  };
}

const deb = (name: string, version: string, source?: { name: string; version?: string }) =>
  pkg('deb', name, version, `pkg:deb/debian/${name}@${version}?arch=amd64`, source);
const apk = (name: string, version: string, origin: string) => pkg('apk', name, version, `pkg:apk/alpine/${name}@${version}`, { name: origin });
const rpm = (name: string, version: string) => pkg('rpm', name, version, `pkg:rpm/almalinux/${name}@${version}`);
const npm = (name: string, version: string) => pkg('npm', name, version, `pkg:npm/${name.replace('@', '%40')}@${version}`);

interface Case {
  name: string;
  os: OsInfo | undefined;
  pkg: Package;
  advisory: string;
  /** Expected finding, or undefined when the advisory must not match. */
  expected: { fixedVersion: string | undefined; state: FindingState } | undefined;
}

const cases: Case[] = [
  {
    name: 'binary package matched by its source name',
    os: OS.debian12,
    pkg: deb('libssl3', '3.0.9-1', { name: 'openssl' }),
    advisory: 'DSA-5532-1',
    expected: { fixedVersion: '3.0.11-1~deb12u2', state: 'fixed-available' },
  },
  {
    name: 'source package at the fixed version',
    os: OS.debian12,
    pkg: deb('libssl3', '3.0.11-1~deb12u2', { name: 'openssl' }),
    advisory: 'DSA-5532-1',
    expected: undefined,
  },
  {
    name: 'source version differs from binary version',
    os: OS.debian12,
    pkg: deb('libssl3', '3.0.11+b1', { name: 'openssl', version: '3.0.9-1' }),
    advisory: 'DSA-5532-1',
    expected: { fixedVersion: '3.0.11-1~deb12u2', state: 'fixed-available' },
  },
  {
    name: 'epoch outranks a higher upstream version',
    os: OS.debian12,
    pkg: deb('zlib1g', '1:1.2.13.dfsg-1', { name: 'zlib' }),
    advisory: 'DLA-9901-1',
    expected: undefined,
  },
  {
    name: 'version without epoch below the fix',
    os: OS.debian12,
    pkg: deb('zlib1g', '1.2.13.dfsg-1', { name: 'zlib' }),
    advisory: 'DLA-9901-1',
    expected: { fixedVersion: '1.3-1', state: 'fixed-available' },
  },
  {
    name: 'tilde pre-release sorts before the release',
    os: OS.debian12,
    pkg: deb('libnghttp2-14', '1.52.0~rc1-1', { name: 'nghttp2' }),
    advisory: 'DSA-9902-1',
    // Two entries match; the smaller fix wins.
    expected: { fixedVersion: '1.52.0-1', state: 'fixed-available' },
  },
  {
    name: 'unfixed Debian advisory',
    os: OS.debian12,
    pkg: deb('libc6', '2.36-9+deb12u7', { name: 'glibc' }),
    advisory: 'DEBIAN-CVE-2024-33602',
    expected: { fixedVersion: undefined, state: 'unfixed' },
  },
  {
    name: 'unimportant urgency is wont-fix',
    os: OS.debian12,
    pkg: deb('libncursesw6', '6.4-4', { name: 'ncurses' }),
    advisory: 'DEBIAN-CVE-2023-50495',
    expected: { fixedVersion: undefined, state: 'wont-fix' },
  },
  {
    name: 'Debian 11 entry skips a Debian 12 image',
    os: OS.debian12,
    pkg: deb('bash', '5.1-2'),
    advisory: 'DSA-9903-1',
    expected: undefined,
  },
  {
    name: 'entry without release applies to every release',
    os: OS.debian12,
    pkg: deb('tar', '1.34+dfsg-1.2'),
    advisory: 'DSA-9904-1',
    expected: { fixedVersion: '1.34+dfsg-1.2+deb12u1', state: 'fixed-available' },
  },
  {
    name: 'Debian record does not match on Ubuntu',
    os: OS.ubuntu2204,
    pkg: deb('libssl3', '3.0.9-1', { name: 'openssl' }),
    advisory: 'DSA-5532-1',
    expected: undefined,
  },
  {
    name: 'Ubuntu LTS entry matched by source',
    os: OS.ubuntu2204,
    pkg: deb('libssl3', '3.0.2-0ubuntu1.10', { name: 'openssl' }),
    advisory: 'UBUNTU-CVE-2024-0727',
    expected: { fixedVersion: '3.0.2-0ubuntu1.14', state: 'fixed-available' },
  },
  {
    name: 'Ubuntu Pro entry skips a plain image',
    os: OS.ubuntu2204,
    pkg: deb('curl', '7.81.0-1ubuntu1.15'),
    advisory: 'UBUNTU-CVE-2024-0727',
    expected: undefined,
  },
  {
    name: 'apk _rc sorts before the release',
    os: OS.alpine320,
    pkg: apk('libcrypto3', '3.3.0_rc1-r0', 'openssl'),
    advisory: 'ALPINE-CVE-2024-2511',
    expected: { fixedVersion: '3.3.0-r0', state: 'fixed-available' },
  },
  {
    name: 'apk release at the fix',
    os: OS.alpine320,
    pkg: apk('libcrypto3', '3.3.0-r0', 'openssl'),
    advisory: 'ALPINE-CVE-2024-2511',
    expected: undefined,
  },
  {
    name: 'rpm binary name with epoch',
    os: OS.alma9,
    pkg: rpm('openssl-libs', '1:3.0.7-24.el9'),
    advisory: 'ALSA-2024:2447',
    expected: { fixedVersion: '1:3.0.7-27.el9', state: 'fixed-available' },
  },
  {
    name: 'rpm without epoch is older',
    os: OS.alma9,
    pkg: rpm('openssl-libs', '3.0.7-28.el9'),
    advisory: 'ALSA-2024:2447',
    expected: { fixedVersion: '1:3.0.7-27.el9', state: 'fixed-available' },
  },
  {
    name: 'first of two npm ranges',
    os: OS.debian12,
    pkg: npm('lodash', '4.17.5'),
    advisory: 'GHSA-p6mc-m468-83gw',
    expected: { fixedVersion: '4.17.12', state: 'fixed-available' },
  },
  {
    name: 'between two npm ranges',
    os: OS.debian12,
    pkg: npm('lodash', '4.17.13'),
    advisory: 'GHSA-p6mc-m468-83gw',
    expected: undefined,
  },
  {
    name: 'second of two npm ranges',
    os: undefined,
    pkg: npm('lodash', '4.17.16'),
    advisory: 'GHSA-p6mc-m468-83gw',
    expected: { fixedVersion: '4.17.21', state: 'fixed-available' },
  },
  {
    name: 'withdrawn advisory never matches',
    os: undefined,
    pkg: npm('left-pad', '1.0.0'),
    advisory: 'GHSA-wthd-rwn0-0000',
    expected: undefined,
  },
  {
    name: 'below the limit',
    os: undefined,
    pkg: npm('@scope/widget', '1.9.0'),
    advisory: 'GHSA-limt-0000-0001',
    expected: { fixedVersion: undefined, state: 'unfixed' },
  },
  {
    name: 'at the limit',
    os: undefined,
    pkg: npm('@scope/widget', '2.0.0'),
    advisory: 'GHSA-limt-0000-0001',
    expected: undefined,
  },
  {
    name: 'listed in versions despite a GIT range',
    os: undefined,
    pkg: pkg('pypi', 'example-package', '1.1', 'pkg:pypi/example-package@1.1'),
    advisory: 'PYSEC-2024-0001',
    expected: { fixedVersion: undefined, state: 'unfixed' },
  },
  {
    name: 'not listed in versions',
    os: undefined,
    pkg: pkg('pypi', 'example-package', '1.2', 'pkg:pypi/example-package@1.2'),
    advisory: 'PYSEC-2024-0001',
    expected: undefined,
  },
  {
    name: 'at last_affected',
    os: undefined,
    pkg: pkg('golang', 'github.com/example/archive', 'v1.4.2', 'pkg:golang/github.com/example/archive@v1.4.2'),
    advisory: 'GO-2024-0001',
    expected: { fixedVersion: undefined, state: 'unfixed' },
  },
  {
    name: 'above last_affected',
    os: undefined,
    pkg: pkg('golang', 'github.com/example/archive', 'v1.4.3', 'pkg:golang/github.com/example/archive@v1.4.3'),
    advisory: 'GO-2024-0001',
    expected: undefined,
  },
  {
    name: 'below introduced',
    os: undefined,
    pkg: pkg('golang', 'github.com/example/archive', 'v0.9.0', 'pkg:golang/github.com/example/archive@v0.9.0'),
    advisory: 'GO-2024-0001',
    expected: undefined,
  },
  {
    name: 'Go standard library second range',
    os: undefined,
    pkg: pkg('golang', 'stdlib', 'go1.22.1', 'pkg:golang/stdlib@go1.22.1'),
    advisory: 'GO-2024-0001',
    expected: { fixedVersion: '1.22.2', state: 'fixed-available' },
  },
];

for (const testCase of cases) {
  test(`match: ${testCase.name}`, () => {
    const findings = matchAgainst(index, testCase.os, [testCase.pkg]).filter((f) => f.advisoryId === testCase.advisory);

    if (testCase.expected === undefined) {
      assert.deepEqual(findings, [], `${testCase.advisory} must not match ${testCase.pkg.name} ${testCase.pkg.version}`);
      return;
    }
    assert.equal(findings.length, 1, `${testCase.advisory} must match ${testCase.pkg.name} ${testCase.pkg.version} exactly once`);
    const finding = findings[0]!;
    assert.equal(finding.fixedVersion, testCase.expected.fixedVersion);
    assert.equal(finding.state, testCase.expected.state);
    assert.equal(finding.package.name, testCase.pkg.name);
    assert.equal(finding.package.version, testCase.pkg.version);
    assert.ok(finding.reason.length > 0);
  });
}

test('match: finding carries advisory details', () => {
  const [finding] = matchAgainst(index, OS.debian12, [deb('libssl3', '3.0.9-1', { name: 'openssl' })]);
  assert.ok(finding);
  assert.equal(finding.advisoryId, 'DSA-5532-1');
  assert.deepEqual(finding.aliases, ['CVE-2023-5363']);
  assert.equal(finding.summary, 'openssl - security update');
  assert.equal(finding.package.ecosystem, 'Debian:12');
  assert.deepEqual(finding.package.source, { name: 'openssl', version: '3.0.9-1' });
  assert.equal(finding.package.layer, LAYER);
  assert.match(finding.reason, /source package openssl 3\.0\.9-1 \(installed as libssl3 3\.0\.9-1\)/);
  assert.match(finding.reason, /introduced 0, fixed 3\.0\.11-1~deb12u2/);
});

test('match: severity from CVSS and feed ratings', () => {
  const findings = matchAgainst(index, OS.debian12, [deb('libncursesw6', '6.4-4', { name: 'ncurses' }), npm('lodash', '4.17.5')]);
  const ncurses = findings.find((f) => f.advisoryId === 'DEBIAN-CVE-2023-50495');
  const lodash = findings.find((f) => f.advisoryId === 'GHSA-p6mc-m468-83gw');
  assert.equal(ncurses?.severity, 'medium');
  assert.equal(ncurses?.score, 6.5);
  assert.equal(lodash?.severity, 'high');
  assert.equal(lodash?.score, undefined);
});

test('match: aliases include upstream IDs', () => {
  const [finding] = matchAgainst(index, OS.ubuntu2204, [deb('libssl3', '3.0.2-0ubuntu1.10', { name: 'openssl' })]);
  assert.deepEqual(finding?.aliases, ['CVE-2024-0727']);
});

test('match: one finding per package and advisory', () => {
  const libssl = deb('libssl3', '3.0.9-1', { name: 'openssl' });
  const findings = matchAgainst(index, OS.debian12, [libssl, libssl]);
  assert.equal(findings.length, 1);
});

test('match: two binaries of one source', () => {
  const findings = matchAgainst(index, OS.debian12, [deb('libssl3', '3.0.9-1', { name: 'openssl' }), deb('openssl', '3.0.9-1')]);
  assert.deepEqual(findings.map((f) => f.package.name).sort(), ['libssl3', 'openssl']);
});

test('match: unsupported OS warns', () => {
  const fedora: OsInfo = { id: 'fedora', version: '40', source: 'etc/os-release' };
  const report = matchReport(index, fedora, [rpm('openssl-libs', '1:3.0.7-24.el9'), npm('lodash', '4.17.5')]);
  assert.deepEqual(report.findings.map((f) => f.advisoryId), ['GHSA-p6mc-m468-83gw']);
  assert.equal(report.warnings.length, 1);
  assert.equal(report.warnings[0]?.code, 'match.unsupported');
  assert.match(report.warnings[0]?.message ?? '', /1 of 2 packages/);
});
