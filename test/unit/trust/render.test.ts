import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';
import { sanitiseTerminalText } from '../../../src/trust/verdict/index.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const root = mkdtempSync(path.join(tmpdir(), 'bosun-render-'));
after(() => rmSync(root, { recursive: true, force: true }));

// [text, expected]
const CASES: Array<[string, string]> = [
  ['clear\u001b[2Jscreen', 'clearscreen'],
  ['title\u001b]0;pwned\u0007 set', 'title set'],
  ['title\u001b]0;pwned\u001b\\ set', 'title set'],
  ['carriage\rreturn', 'carriage return'],
  ['bell\u0007 and C1 \u009b', 'bell  and C1  '],
  ['bidi \u202eevil\u202c', 'bidi  evil '],
  ['keeps\tlayout\n  indented\n', 'keeps\tlayout\n  indented\n'],
];

test('sanitise terminal text table', () => {
  for (const [text, expected] of CASES) assert.equal(sanitiseTerminalText(text), expected, JSON.stringify(text));
});

test('audit text output has no escapes', () => {
  const directory = path.join(root, 'hostile');
  const dockerfile = path.join(root, 'Dockerfile');
  writeFileSync(dockerfile, 'FROM scratch\nADD "x\u001b[2J\u001b]0;pwned\u0007y" /x\nUSER 1\n');
  const result = spawnSync(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'src/cli/main.ts'), '--data-dir', directory, 'audit', dockerfile], { encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stdout, /BOSUN-DF012/);
  assert.doesNotMatch(result.stdout, /\u001b/, 'stdout');
  assert.doesNotMatch(result.stderr, /\u001b/, 'stderr');
  assert.doesNotMatch(result.stdout, /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
});
