import assert from 'node:assert/strict';
import { test } from 'node:test';
import { versionSchemes, type VersionScheme } from '../../../src/versioning/index.js';
import { tableRows } from './table.js';

// One contract for every scheme in the registry. compare never throws and returns a number, and
// it is reflexive and antisymmetric, also on hostile input. Sorting with it gives a consistent
// order.

const HOSTILE = [
  '',
  ' ',
  '\t\n',
  '-',
  ':',
  '~',
  '^',
  '+',
  '.',
  '_',
  '1:',
  ':1',
  '1-',
  '-1',
  '\u0000',
  '1.0\u0000',
  'é1.0',
  '１.０',
  '😀',
  '1.0😀',
  'v',
  'v-1',
  '1'.repeat(400),
  `${'1.'.repeat(5000)}1`,
  '~'.repeat(1000),
  'a-'.repeat(2000),
  '1!2!3',
  '1.0+',
  '1.0-r',
  '1.0_',
  '__proto__',
  'constructor',
];

const TABLES = ['dpkg', 'apk', 'rpm', 'semver', 'go', 'pep440', 'maven', 'generic'];

function tableVersions(name: string): string[] {
  return tableRows(name).flatMap((row) => [row.a, row.b]);
}

/**
 * The hostile strings, every version of the scheme's own table and every fourth version of the
 * other tables. The checks are quadratic, so the foreign versions are thinned out.
 */
function sampleFor(scheme: VersionScheme): string[] {
  const foreign = TABLES.filter((name) => name !== scheme.name).flatMap((name) => tableVersions(name).filter((_, index) => index % 4 === 0));
  return [...new Set([...HOSTILE, ...tableVersions(scheme.name), ...foreign])];
}

function checkPairs(scheme: VersionScheme, versions: readonly string[]): string[] {
  const failures: string[] = [];
  for (const a of versions) {
    if (scheme.compare(a, a) !== 0) failures.push(`compare(${JSON.stringify(a)}, itself) is not 0`);
    for (const b of versions) {
      const forward = scheme.compare(a, b);
      const backward = scheme.compare(b, a);
      if (typeof forward !== 'number' || Number.isNaN(forward)) failures.push(`compare(${JSON.stringify(a)}, ${JSON.stringify(b)}) is ${forward}`);
      if (Math.sign(forward) !== -Math.sign(backward)) {
        failures.push(`${JSON.stringify(a)} vs ${JSON.stringify(b)}: ${forward} one way, ${backward} the other`);
      }
    }
  }
  return failures;
}

/** Sorts the sample and checks that every earlier element is at most every later one. */
function checkSortedOrder(scheme: VersionScheme, versions: readonly string[]): string[] {
  const sorted = [...versions].sort((a, b) => scheme.compare(a, b));
  const failures: string[] = [];
  for (let i = 0; i < sorted.length; i++) {
    for (let j = i + 1; j < sorted.length; j++) {
      const a = sorted[i] as string;
      const b = sorted[j] as string;
      if (scheme.compare(a, b) > 0) failures.push(`${JSON.stringify(a)} sorted before ${JSON.stringify(b)} but compares greater`);
    }
  }
  return failures;
}

for (const scheme of versionSchemes) {
  test(`${scheme.name} never throws on hostile input`, () => {
    for (const version of HOSTILE) {
      assert.doesNotThrow(() => scheme.compare(version, '1.0'), `compare(${JSON.stringify(version)}, "1.0")`);
      assert.equal(typeof scheme.isValid(version), 'boolean', `isValid(${JSON.stringify(version)})`);
    }
  });

  test(`${scheme.name} is reflexive and antisymmetric`, () => {
    const failures = checkPairs(scheme, sampleFor(scheme));
    assert.deepEqual(failures.slice(0, 10), [], `${failures.length} failures`);
  });

  test(`${scheme.name} sorts consistently`, () => {
    const failures = checkSortedOrder(scheme, sampleFor(scheme));
    assert.deepEqual(failures.slice(0, 10), [], `${failures.length} pairs out of order`);
  });
}

test('registry names are unique', () => {
  const names = versionSchemes.map((scheme) => scheme.name);
  assert.deepEqual(names, [...new Set(names)]);
  assert.deepEqual([...names].sort(), [...TABLES].sort());
});
