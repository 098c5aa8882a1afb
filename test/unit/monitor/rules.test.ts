import assert from 'node:assert/strict';
import test from 'node:test';
import { applyIgnoreRules, inRange, manifestDigestOf, noticeId, parseVersionRange, ruleMatches, type IgnoreRule, type RuleSubject } from '../../../src/monitor/index.js';
import { dpkgScheme, semverScheme } from '../../../src/versioning/index.js';

const CONFIG = `sha256:${'c'.repeat(64)}`;
const MANIFEST = `sha256:${'a'.repeat(64)}`;
const OTHER = `sha256:${'b'.repeat(64)}`;

test('version range parsing', () => {
  const cases: Array<[string, ReturnType<typeof parseVersionRange>]> = [
    ['<3.0.0', [{ operator: '<', version: '3.0.0' }]],
    ['>= 1:1.2 , <1:1.3', [{ operator: '>=', version: '1:1.2' }, { operator: '<', version: '1:1.3' }]],
    ['=1.2', [{ operator: '=', version: '1.2' }]],
    ['==1.2', [{ operator: '=', version: '1.2' }]],
    ['1.2', [{ operator: '=', version: '1.2' }]],
    ['<=2,>1', [{ operator: '<=', version: '2' }, { operator: '>', version: '1' }]],
  ];
  for (const [text, expected] of cases) assert.deepEqual(parseVersionRange(text), expected, text);
  for (const invalid of ['', '<', '<1,', '<<1', '>=1,,<2', '=<1']) assert.throws(() => parseVersionRange(invalid), /invalid version/, invalid);
});

test('version range comparison', () => {
  const dpkg = (a: string, b: string) => dpkgScheme.compare(a, b);
  const semver = (a: string, b: string) => semverScheme.compare(a, b);
  const cases: Array<[string, string, (a: string, b: string) => number, boolean]> = [
    ['1:1.2.13.dfsg-1+deb12u1', '<1:1.3', dpkg, true],
    ['1:1.2.13.dfsg-1+deb12u1', '>=1:1.3', dpkg, false],
    ['1:1.2.13.dfsg-1+deb12u1', '<1.3', dpkg, false],
    ['2.36-9+deb12u14', '>=2.36,<2.37', dpkg, true],
    ['3.0.13', '<3.0.14', semver, true],
    ['3.0.14', '<3.0.14', semver, false],
    ['3.0.14', '<=3.0.14', semver, true],
    ['3.0.14', '=3.0.14', semver, true],
    ['3.1.0', '>3.0.14,<3.1.0', semver, false],
  ];
  for (const [version, range, compare, expected] of cases) {
    assert.equal(inRange(version, parseVersionRange(range), compare), expected, `${version} in ${range}`);
  }
});

function rule(fields: Partial<IgnoreRule>): IgnoreRule {
  return { id: 1, advisory: null, package: null, image: null, reason: 'test', source: 'user', expiresAt: null, createdBy: null, createdAt: '2025-01-01T00:00:00.000Z', ...fields };
}

const subject: RuleSubject = {
  imageConfigDigest: CONFIG,
  imageNames: ['lab/app:1', `127.0.0.1:5000/lab/app@${MANIFEST}`],
  advisoryId: 'DEBIAN-CVE-2023-45853',
  aliases: ['CVE-2023-45853'],
  packageName: 'zlib1g',
  packagePurl: 'pkg:deb/debian/zlib1g@1:1.2.13.dfsg-1?arch=amd64&distro=debian-12',
};

test('ignore rule matching', () => {
  const cases: Array<[Partial<IgnoreRule>, boolean]> = [
    [{}, true],
    [{ advisory: 'DEBIAN-CVE-2023-45853' }, true],
    [{ advisory: 'CVE-2023-45853' }, true],
    [{ advisory: 'CVE-2023-00000' }, false],
    [{ package: 'zlib1g' }, true],
    [{ package: 'zlib' }, false],
    [{ package: 'pkg:deb/debian/zlib1g' }, true],
    [{ package: 'pkg:deb/debian/zlib1g@1:1.2.13.dfsg-1' }, true],
    [{ package: 'pkg:deb/debian/zlib1g@1:1.2.13.dfsg-2' }, false],
    [{ package: 'pkg:deb/debian/libc6' }, false],
    [{ image: CONFIG }, true],
    [{ image: MANIFEST }, true],
    [{ image: `pkg:oci/app@${MANIFEST.replace(':', '%3A')}` }, true],
    [{ image: OTHER }, false],
    [{ image: 'lab/app:*' }, true],
    [{ image: 'lab/app:2' }, false],
    [{ image: 'lab/*', advisory: 'CVE-2023-45853', package: 'zlib1g' }, true],
    [{ image: 'lab/*', advisory: 'CVE-2023-45853', package: 'libc6' }, false],
  ];
  for (const [fields, expected] of cases) assert.equal(ruleMatches(rule(fields), subject), expected, JSON.stringify(fields));
});

test('ignore rule expiry', () => {
  const now = new Date('2026-06-01T00:00:00Z');
  const active = rule({ id: 1, advisory: 'CVE-2023-45853', expiresAt: '2027-01-01T00:00:00.000Z' });
  const expired = rule({ id: 2, advisory: 'CVE-2023-45853', expiresAt: '2026-01-01T00:00:00.000Z' });
  const unrelated = rule({ id: 3, advisory: 'CVE-2000-0001' });

  assert.equal(applyIgnoreRules(subject, [expired, active], now).ignoredBy?.id, 1);
  assert.equal(applyIgnoreRules(subject, [expired, active], now).ignoreExpired, undefined);
  assert.equal(applyIgnoreRules(subject, [expired, unrelated], now).ignoredBy, undefined);
  assert.equal(applyIgnoreRules(subject, [expired, unrelated], now).ignoreExpired?.id, 2);
  assert.deepEqual(applyIgnoreRules(subject, [unrelated], now), {});
});

test('manifest digest choice', () => {
  const cases: Array<[string[], string, string | null]> = [
    [[], 'lab/app:1', null],
    [[`127.0.0.1:5000/lab/app@${MANIFEST}`], 'lab/app:1', MANIFEST],
    [[`127.0.0.1:5000/lab/app@${MANIFEST}`, `127.0.0.1:5001/lab/app@${MANIFEST}`], 'lab/app:1', MANIFEST],
    [[`127.0.0.1:5000/lab/app@${MANIFEST}`, `127.0.0.1:5001/lab/app@${OTHER}`], 'lab/app:1', null],
    [[`127.0.0.1:5000/lab/app@${MANIFEST}`, `127.0.0.1:5001/lab/app@${OTHER}`], '127.0.0.1:5001/lab/app:1', OTHER],
    [[`127.0.0.1:5000/lab/app@${MANIFEST}`, `127.0.0.1:5001/lab/app@${OTHER}`], `127.0.0.1:5000/lab/app@${MANIFEST}`, MANIFEST],
  ];
  for (const [repoDigests, reference, expected] of cases) assert.equal(manifestDigestOf(repoDigests, reference), expected, `${reference} ${repoDigests.join(' ')}`);
});

test('notice ids are stable', () => {
  const id = noticeId('vulnerability.new', CONFIG, 'DSA-1', 'pkg:deb/debian/zlib1g@1');
  assert.match(id, /^[a-f0-9]{64}$/);
  assert.equal(noticeId('vulnerability.new', CONFIG, 'DSA-1', 'pkg:deb/debian/zlib1g@1'), id);
  assert.notEqual(noticeId('vulnerability.fixed', CONFIG, 'DSA-1', 'pkg:deb/debian/zlib1g@1'), id);
  // Parts are separated, so moving text between them changes the id.
  assert.notEqual(noticeId('vulnerability.new', CONFIG, 'DSA-1p', 'kg:deb/debian/zlib1g@1'), id);
});
