import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mapQualitative, parseOsvRecord, scoreRecord, scoreVector, type OsvRecord } from '../../../src/advisory/index.js';

/** Vectors with the base scores published by FIRST (specification examples and calculators). */
const vectors: Array<[string, number | undefined, string]> = [
  ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', 9.8, 'critical'],
  ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H', 10, 'critical'],
  ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N', 7.5, 'high'],
  ['CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H', 7.8, 'high'],
  ['CVSS:3.0/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N', 6.1, 'medium'],
  ['CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:N/I:N/A:H', 6.5, 'medium'],
  ['CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:N/A:H', 5.9, 'medium'],
  ['CVSS:3.1/AV:P/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N', 1.6, 'low'],
  ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N', 0, 'none'],
  ['CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N', 9.3, 'critical'],
  ['CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N', 0, 'none'],
  ['AV:N/AC:L/Au:N/C:P/I:P/A:P', 7.5, 'high'],
  ['AV:N/AC:L/Au:N/C:C/I:C/A:C', 10, 'high'],
  ['7.2', 7.2, 'high'],
];

for (const [vector, score, severity] of vectors) {
  test(`severity: ${vector}`, () => {
    const result = scoreVector(vector);
    assert.equal(result?.score, score);
    assert.equal(result?.severity, severity);
  });
}

const malformed = ['CVSS:3.1/AV:N', 'CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', 'CVSS:9.9/AV:N', 'garbage', '', '11'];
for (const vector of malformed) {
  test(`severity: malformed ${JSON.stringify(vector)}`, () => {
    assert.equal(scoreVector(vector), undefined);
  });
}

const ratings: Array<[string, string]> = [
  ['LOW', 'low'],
  ['MODERATE', 'medium'],
  ['HIGH', 'high'],
  ['CRITICAL', 'critical'],
  ['Low', 'low'],
  ['Moderate', 'medium'],
  ['Important', 'high'],
  ['Critical', 'critical'],
  ['unimportant', 'low'],
  ['medium**', 'medium'],
  ['negligible', 'low'],
  ['not yet assigned', 'unknown'],
  ['end-of-life', 'unknown'],
];

for (const [rating, severity] of ratings) {
  test(`severity: rating ${rating}`, () => {
    assert.equal(mapQualitative(rating), severity);
  });
}

function record(fields: Record<string, unknown>): OsvRecord {
  const parsed = parseOsvRecord({ id: 'TEST-1', modified: '2024-01-01T00:00:00Z', ...fields });
  assert.ok(parsed.ok);
  return parsed.record;
}

test('severity: v3 preferred over v4', () => {
  const result = scoreRecord(
    record({
      severity: [
        { type: 'CVSS_V4', score: 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N' },
        { type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:N/A:H' },
      ],
    }),
  );
  assert.deepEqual(result, { severity: 'medium', score: 5.9, source: 'CVSS_V3' });
});

test('severity: affected-level vector', () => {
  const result = scoreRecord(
    record({
      affected: [
        { package: { ecosystem: 'npm', name: 'a' }, severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N' }] },
        { package: { ecosystem: 'npm', name: 'b' }, severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' }] },
      ],
    }),
  );
  assert.equal(result.severity, 'critical');
  assert.equal(result.score, 9.8);
});

test('severity: GHSA database_specific', () => {
  const result = scoreRecord(record({ database_specific: { severity: 'MODERATE' } }));
  assert.deepEqual(result, { severity: 'medium', score: undefined, source: 'database_specific.severity' });
});

test('severity: Debian urgency', () => {
  const result = scoreRecord(record({ affected: [{ package: { ecosystem: 'Debian:12', name: 'x' }, ecosystem_specific: { urgency: 'high' } }] }));
  assert.equal(result.severity, 'high');
});

test('severity: Ubuntu priority', () => {
  const result = scoreRecord(record({ severity: [{ type: 'Ubuntu', score: 'medium' }] }));
  assert.deepEqual(result, { severity: 'medium', score: undefined, source: 'Ubuntu' });
});

test('severity: AlmaLinux summary prefix', () => {
  assert.equal(scoreRecord(record({ summary: 'Important: kernel security update' })).severity, 'high');
  assert.equal(scoreRecord(record({ summary: 'gupnp bug fix update' })).severity, 'unknown');
});

test('severity: malformed vector falls back', () => {
  const result = scoreRecord(record({ severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N' }], database_specific: { severity: 'LOW' } }));
  assert.equal(result.severity, 'low');
});

test('severity: nothing known', () => {
  assert.deepEqual(scoreRecord(record({})), { severity: 'unknown', score: undefined, source: 'none' });
});
