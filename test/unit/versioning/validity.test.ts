import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  apkScheme,
  dpkgScheme,
  genericScheme,
  goScheme,
  mavenScheme,
  pep440Scheme,
  rpmScheme,
  semverScheme,
  type VersionScheme,
} from '../../../src/versioning/index.js';

// isValid per scheme. The dpkg rows are also checked against `dpkg --validate-version` by
// dpkg-differential.test.ts; the apk rows follow apk-tools' apk_version_validate.

interface ValidityCase {
  scheme: VersionScheme;
  valid: string[];
  invalid: string[];
}

const CASES: ValidityCase[] = [
  {
    scheme: dpkgScheme,
    valid: ['1.0', '1:1.0', '1.0-1', '1:2.3-4ubuntu5', '1.0~rc1', '1.0+dfsg-1~bpo1', '1-2-3', '1:2:3', ' 1.0 ', '0:0'],
    invalid: ['', 'a1.0', '1:', ':1', '-1:1', '1.0-', '1.0_1', '1. 0', '2147483648:1', '1:a', '~1', '1.0-a_b'],
  },
  {
    scheme: apkScheme,
    valid: ['1.0', '1.0-r0', '1.0a', '1.0_alpha', '1.0_alpha1_p2-r3', '1.0~abc123', '1.0_git20240101~abc-r1', '006'],
    invalid: ['', 'a', '1.0.', '1.0A', '1.0_foo', '1.0-1', '1.0-r', '1.0bc', '1.2a3', '1.0~', '1.0~ABC', '1.0-r1-r2', 'v1.0'],
  },
  {
    scheme: rpmScheme,
    valid: ['1.0', '1:1.0-1.el9', '1.0~rc1', '1.0^git1', '2.0_1+b', '0:1-1'],
    invalid: ['', '1.0-', '-1', '1:', 'a:1.0', '1.0-1-', '1.0 1', '1.0-1:2'],
  },
  {
    scheme: semverScheme,
    valid: ['1.2.3', 'v1.2.3', '=1.2.3', '1.2.3-rc.1+build.5', '  1.2.3  '],
    invalid: ['', '1.2', '1', '1.2.3.4', 'latest', 'a.b.c'],
  },
  {
    scheme: goScheme,
    valid: ['v1.2.3', '1.2.3', 'v0.0.0-20210101000000-abcdef123456', 'v2.0.0+incompatible', 'v1', 'v1.2'],
    invalid: ['', 'v01.2.3', 'v1.2.3.4', 'latest', 'v1.2-pre', 'V1.2.3'],
  },
  {
    scheme: pep440Scheme,
    valid: ['1.0', '1.0a1', '1!1.0', '1.0.post1.dev2', '1.0+ubuntu.1', 'v1.0', ' 1.0 ', '1.0-alpha1'],
    invalid: ['', 'latest', '1.0-foo', '1.0+', '1..0', 'a1.0'],
  },
  {
    scheme: mavenScheme,
    valid: ['1.0', '1.0-SNAPSHOT', '2.0.0.RELEASE', '9.4.51.v20230217', 'anything'],
    invalid: ['', ' ', '1.0 1', '1.0\u0000'],
  },
  {
    scheme: genericScheme,
    valid: ['1.0', 'v1.0', '3.1.4.rc1', '5.0.0-preview.1'],
    invalid: ['', ' ', '.1', '1.0 1', '-1'],
  },
];

for (const { scheme, valid, invalid } of CASES) {
  test(`${scheme.name} isValid accepts valid versions`, () => {
    const rejected = valid.filter((version) => !scheme.isValid(version));
    assert.deepEqual(rejected, []);
  });

  test(`${scheme.name} isValid rejects invalid versions`, () => {
    const accepted = invalid.filter((version) => scheme.isValid(version));
    assert.deepEqual(accepted, []);
  });
}
