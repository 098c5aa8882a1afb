import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { OsvRange } from '../../../src/advisory/index.js';
import { evaluateEntry, evaluateRange } from '../../../src/match/index.js';

/** Dotted numbers, enough to test the event walk apart from any real version scheme. */
function compare(a: string, b: string): number {
  const left = a.split('.').map(Number);
  const right = b.split('.').map(Number);
  for (let i = 0; i < Math.max(left.length, right.length); i++) {
    const diff = (left[i] ?? 0) - (right[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}

const range = (events: OsvRange['events'], type = 'ECOSYSTEM'): OsvRange => ({ type, events, database_specific: {} });

// Events deliberately out of order: the spec sorts them before walking.
const twoIntervals = range([{ fixed: '2.3' }, { introduced: '2.0' }, { fixed: '1.5' }, { introduced: '0' }]);

const cases: Array<[string, OsvRange, string, string | undefined | null]> = [
  ['below the first fix', twoIntervals, '1.2', '1.5'],
  ['at the first fix', twoIntervals, '1.5', null],
  ['between intervals', twoIntervals, '1.9', null],
  ['at the second introduced', twoIntervals, '2.0', '2.3'],
  ['at the second fix', twoIntervals, '2.3', null],
  ['above every event', twoIntervals, '9.0', null],
  ['open interval', range([{ introduced: '1.0' }]), '5.0', undefined],
  ['below introduced', range([{ introduced: '1.0' }]), '0.9', null],
  ['at last_affected', range([{ introduced: '1.0' }, { last_affected: '1.4' }]), '1.4', undefined],
  ['past last_affected', range([{ introduced: '1.0' }, { last_affected: '1.4' }]), '1.4.1', null],
  ['below the limit', range([{ introduced: '0' }, { limit: '2.0' }]), '1.9', undefined],
  ['at the limit', range([{ introduced: '0' }, { limit: '2.0' }]), '2.0', null],
  ['limit star', range([{ introduced: '0' }, { limit: '*' }]), '7.0', undefined],
  ['last_affected then later fix', range([{ introduced: '0' }, { last_affected: '1.4' }, { introduced: '2.0' }, { fixed: '2.3' }]), '1.0', '2.3'],
];

for (const [name, input, version, expectedFix] of cases) {
  test(`range: ${name}`, () => {
    const verdict = evaluateRange(input, version, compare);
    if (expectedFix === null) {
      assert.equal(verdict, undefined);
    } else {
      assert.ok(verdict, `${version} must be affected`);
      assert.equal(verdict.fixedVersion, expectedFix);
    }
  });
}

test('range: explanation names the bounds', () => {
  assert.equal(evaluateRange(twoIntervals, '2.1', compare)?.explanation, 'is in the ECOSYSTEM range introduced 2.0, fixed 2.3');
  assert.equal(evaluateRange(range([{ introduced: '1.0' }, { last_affected: '1.4' }], 'SEMVER'), '1.2', compare)?.explanation, 'is in the SEMVER range introduced 1.0, last affected 1.4');
  assert.equal(evaluateRange(range([{ introduced: '0' }]), '1.2', compare)?.explanation, 'is in the ECOSYSTEM range introduced 0, with no fix');
});

test('range: GIT ranges ignored', () => {
  const git = range([{ introduced: '0' }, { fixed: 'abc' }], 'GIT');
  assert.equal(evaluateEntry([git], [], '1.0', compare), undefined);
  assert.equal(evaluateEntry([git], ['1.0'], '1.0', compare)?.explanation, "is listed in the advisory's affected versions");
});

test('range: listed version reports a fix', () => {
  const verdict = evaluateEntry([range([{ introduced: '2.0' }, { fixed: '2.3' }])], ['1.0'], '1.0', compare);
  assert.equal(verdict?.fixedVersion, '2.3');
});

test('range: smallest fix across ranges', () => {
  const verdict = evaluateEntry([range([{ introduced: '0' }]), range([{ introduced: '0' }, { fixed: '3.0' }]), range([{ introduced: '0' }, { fixed: '2.0' }])], [], '1.0', compare);
  assert.equal(verdict?.fixedVersion, '2.0');
});
