import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { digest, type Notice } from '../../../src/notify/index.js';
import { unusedImageNotice, vulnerabilityNotice } from './support.js';

function notices(): Notice[] {
  return [
    vulnerabilityNotice({ id: 'v-low', title: 'low one', severity: 'low', createdAt: new Date('2024-05-01T10:00:00Z') }),
    unusedImageNotice(),
    vulnerabilityNotice({ id: 'v-crit', title: 'critical one', severity: 'critical', container: 'db-1' }),
    vulnerabilityNotice({ id: 'fixed-1', kind: 'vulnerability.fixed', title: 'fix for openssl', severity: 'high' }),
    vulnerabilityNotice({ id: 'v-high-old', title: 'high older', severity: 'high', createdAt: new Date('2024-04-01T00:00:00Z') }),
    vulnerabilityNotice({ id: 'v-high-new', title: 'high newer', severity: 'high', createdAt: new Date('2024-05-01T11:00:00Z') }),
  ];
}

describe('digest', () => {
  test('title counts notices per kind', () => {
    const result = digest(notices());
    assert.equal(result.title, 'Bosun digest: 4 new vulnerabilities, 1 fix available, 1 image no longer used');
    assert.deepEqual(result.counts, { 'vulnerability.new': 4, 'vulnerability.fixed': 1, 'image.unused': 1 });
  });

  test('body groups by kind and sorts by severity', () => {
    const result = digest(notices());
    assert.equal(
      result.body,
      [
        '4 new vulnerabilities:',
        '- [critical] critical one (lab-host/db-1)',
        '- [high] high newer (lab-host/web-1)',
        '- [high] high older (lab-host/web-1)',
        '- [low] low one (lab-host/web-1)',
        '',
        '1 fix available:',
        '- [high] fix for openssl (lab-host/web-1)',
        '',
        '1 image no longer used:',
        '- [unknown] lab/old:2 is no longer used by any container (lab-host)',
      ].join('\n'),
    );
  });

  test('severity is the highest', () => {
    assert.equal(digest(notices()).severity, 'critical');
    assert.equal(digest([unusedImageNotice()]).severity, 'unknown');
    assert.equal(digest([unusedImageNotice(), vulnerabilityNotice({ severity: 'low' })]).severity, 'low');
  });

  test('id ignores input order', () => {
    const forward = digest(notices());
    const reversed = digest(notices().reverse());
    assert.equal(forward.id, reversed.id);
    assert.notEqual(forward.id, digest(notices().slice(1)).id);
    assert.match(forward.id, /^digest:[0-9a-f]{32}$/);
  });

  test('flattens multi-line titles', () => {
    const result = digest([vulnerabilityNotice({ title: 'first\nInjected line' })]);
    assert.equal(result.body.split('\n').length, 2);
  });

  test('caps lines per kind', () => {
    const many = Array.from({ length: 130 }, (_, index) => vulnerabilityNotice({ id: `v-${index}` }));
    const lines = digest(many).body.split('\n');
    assert.equal(lines.length, 1 + 100 + 1);
    assert.equal(lines.at(-1), '- … and 30 more');
  });

  test('empty input', () => {
    const result = digest([], { now: new Date('2024-05-03T00:00:00Z') });
    assert.equal(result.title, 'Bosun digest: no new notices');
    assert.equal(result.notices.length, 0);
    assert.equal(result.createdAt.toISOString(), '2024-05-03T00:00:00.000Z');
  });
});
