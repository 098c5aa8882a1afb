import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OSV_LIMITS, parseOsvRecord } from '../../../src/advisory/index.js';

const base = { id: 'OSV-1', modified: '2024-01-01T00:00:00Z' };

test('osv: minimal record', () => {
  const parsed = parseOsvRecord(base);
  assert.ok(parsed.ok);
  assert.deepEqual(parsed.record.aliases, []);
  assert.deepEqual(parsed.record.affected, []);
});

test('osv: null lists read as empty', () => {
  const parsed = parseOsvRecord({ ...base, aliases: null, affected: [{ package: { ecosystem: 'Go', name: 'x' }, versions: null, ranges: null }] });
  assert.ok(parsed.ok);
  assert.deepEqual(parsed.record.aliases, []);
  assert.deepEqual(parsed.record.affected[0]?.versions, []);
  assert.deepEqual(parsed.record.affected[0]?.ranges, []);
});

test('osv: unknown fields kept', () => {
  const parsed = parseOsvRecord({ ...base, credits: [{ name: 'someone' }], affected: [{ package: { ecosystem: 'Go', name: 'x' }, extra: 1 }] });
  assert.ok(parsed.ok);
  assert.deepEqual((parsed.record as Record<string, unknown>)['credits'], [{ name: 'someone' }]);
  assert.equal((parsed.record.affected[0] as Record<string, unknown>)['extra'], 1);
});

const rejected: Array<[string, unknown, RegExp]> = [
  ['missing id', { modified: base.modified }, /^not an OSV record: id:/],
  ['empty id', { ...base, id: '' }, /^not an OSV record: id:/],
  ['missing modified', { id: 'OSV-1' }, /^not an OSV record: modified:/],
  ['unparseable modified', { ...base, modified: 'yesterday' }, /modified is not an RFC 3339 timestamp/],
  ['not an object', ['OSV-1'], /^not an OSV record: /],
  ['event without a kind', { ...base, affected: [{ ranges: [{ type: 'SEMVER', events: [{ note: 'x' }] }] }] }, /affected\.0\.ranges\.0\.events\.0: event has none/],
  ['huge summary', { ...base, summary: 'x'.repeat(OSV_LIMITS.summary + 1) }, /^not an OSV record: summary:/],
  ['too many aliases', { ...base, aliases: Array.from({ length: OSV_LIMITS.smallList + 1 }, (_, i) => `CVE-${i}`) }, /^not an OSV record: aliases:/],
  ['huge version', { ...base, affected: [{ versions: ['1'.repeat(OSV_LIMITS.version + 1)] }] }, /affected\.0\.versions\.0:/],
  ['numeric id', { ...base, id: 7 }, /^not an OSV record: id:/],
];

for (const [name, value, reason] of rejected) {
  test(`osv: rejects ${name}`, () => {
    const parsed = parseOsvRecord(value);
    assert.equal(parsed.ok, false);
    if (!parsed.ok) assert.match(parsed.reason, reason);
  });
}
