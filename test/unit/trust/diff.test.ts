import assert from 'node:assert/strict';
import { test } from 'node:test';
import { unifiedDiff } from '../../../src/trust/audit/diff.js';

// Expected outputs follow GNU diff -u 3.x, except that a missing final newline is not marked.
const CASES: Array<{ name: string; old: string; new: string; hunks: string[] }> = [
  { name: 'identical', old: 'a\nb\n', new: 'a\nb\n', hunks: [] },
  { name: 'append to empty', old: '', new: 'a\nb\n', hunks: ['@@ -0,0 +1,2 @@', '+a', '+b'] },
  { name: 'remove all', old: 'a\n', new: '', hunks: ['@@ -1 +0,0 @@', '-a'] },
  { name: 'replace middle', old: 'a\nb\nc\n', new: 'a\nx\nc\n', hunks: ['@@ -1,3 +1,3 @@', ' a', '-b', '+x', ' c'] },
  {
    name: 'two hunks',
    old: 'FROM a\nRUN x\nRUN y\nRUN z\n1\n2\n3\n4\n5\n6\n7\n8\nEND\n',
    new: 'FROM b\nRUN x\nRUN z\n1\n2\n3\n4\n5\n6\n7\n8\nEND\nNEW\n',
    hunks: [
      '@@ -1,6 +1,5 @@', '-FROM a', '+FROM b', ' RUN x', '-RUN y', ' RUN z', ' 1', ' 2',
      '@@ -11,3 +10,4 @@', ' 7', ' 8', ' END', '+NEW',
    ],
  },
  { name: 'no final newline', old: 'a\nb', new: 'a\nc', hunks: ['@@ -1,2 +1,2 @@', ' a', '-b', '+c'] },
];

for (const { name, old, new: updated, hunks } of CASES) {
  test(`unifiedDiff ${name}`, () => {
    const expected = hunks.length === 0 ? '' : ['--- a/Dockerfile', '+++ b/Dockerfile', ...hunks, ''].join('\n');
    assert.equal(unifiedDiff(old, updated), expected);
  });
}

test('unifiedDiff large input', () => {
  // Past MAX_LCS_CELLS the middle is reported as replaced instead of aligned.
  const old = Array.from({ length: 3000 }, (_, i) => `old ${i}`).join('\n');
  const updated = Array.from({ length: 3000 }, (_, i) => `new ${i}`).join('\n');
  const lines = unifiedDiff(old, updated).split('\n');
  assert.equal(lines[2], '@@ -1,3000 +1,3000 @@');
  assert.equal(lines.filter((line) => line.startsWith('-old')).length, 3000);
});
