import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InputError } from '../../../src/common/errors.js';
import { exceedsThreshold } from '../../../src/report/fail-on.js';
import { parseSeverity, severityRank } from '../../../src/report/severity.js';
import type { Severity } from '../../../src/report/types.js';
import { findings } from './report-fixture.js';

function withSeverities(...severities: Severity[]): { vulnerabilities: ReturnType<typeof findings> } {
  const template = findings()[0]!;
  return { vulnerabilities: severities.map((severity) => ({ ...template, severity })) };
}

test('fail-on thresholds', () => {
  const cases: Array<{ found: Severity[]; threshold: Severity; fails: boolean }> = [
    { found: [], threshold: 'unknown', fails: false },
    { found: ['critical'], threshold: 'critical', fails: true },
    { found: ['high'], threshold: 'critical', fails: false },
    { found: ['high'], threshold: 'high', fails: true },
    { found: ['high'], threshold: 'medium', fails: true },
    { found: ['medium', 'low'], threshold: 'high', fails: false },
    { found: ['low'], threshold: 'low', fails: true },
    { found: ['unknown'], threshold: 'low', fails: false },
    { found: ['unknown'], threshold: 'unknown', fails: true },
    { found: ['low'], threshold: 'unknown', fails: true },
    { found: ['unknown', 'unknown', 'critical'], threshold: 'critical', fails: true },
  ];
  for (const { found, threshold, fails } of cases) {
    assert.equal(exceedsThreshold(withSeverities(...found), threshold), fails, `[${found.join(', ')}] with --fail-on ${threshold}`);
  }
});

test('fail-on counts wont-fix findings', () => {
  const report = withSeverities('high');
  report.vulnerabilities[0]!.state = 'wont-fix';
  assert.equal(exceedsThreshold(report, 'high'), true);
});

test('severity rank order', () => {
  const ordered: Severity[] = ['unknown', 'low', 'medium', 'high', 'critical'];
  assert.deepEqual(ordered.map(severityRank), [0, 1, 2, 3, 4]);
});

test('parse severity flag', () => {
  assert.equal(parseSeverity('HIGH'), 'high');
  assert.equal(parseSeverity(' critical '), 'critical');
  assert.equal(parseSeverity('unknown'), 'unknown');
  assert.throws(() => parseSeverity('severe'), (error: unknown) => {
    assert.ok(error instanceof InputError);
    assert.match(error.message, /invalid --fail-on severity "severe"/);
    assert.match(error.hint ?? '', /critical, high, medium, low, unknown/);
    return true;
  });
});
