import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileGoMatch, isIgnored, parseDockerignore } from '../../../src/trust/audit/patterns.js';

// [pattern, name, matches] for one path component, with Go filepath.Match semantics.
const GO_MATCH: Array<[string, string, boolean]> = [
  ['*.txt', 'a.txt', true],
  ['*.txt', '.hidden.txt', true],
  ['*.txt', 'a.txt.bak', false],
  ['requirements*.txt', 'requirements-dev.txt', true],
  ['a?c', 'abc', true],
  ['a?c', 'ac', false],
  ['[a-c]x', 'bx', true],
  ['[a-c]x', 'dx', false],
  ['[^a-c]x', 'dx', true],
  ['[\\]]', ']', true],
  ['\\*', '*', true],
  ['\\*', 'a', false],
  ['a.b', 'axb', false],
  ['(x)', '(x)', true],
  ['[z-a]', 'm', false],
];

for (const [pattern, name, expected] of GO_MATCH) {
  test(`go match ${pattern} ${name}`, () => {
    assert.equal(compileGoMatch(pattern).test(name), expected);
  });
}

test('go match bad patterns', () => {
  for (const pattern of ['[', '[a', '[]', '[-a]', 'a\\']) assert.throws(() => compileGoMatch(pattern), /invalid path pattern/, pattern);
});

const IGNORE = `
# comment
*.log
/build
**/node_modules
!important.log
docs/**/*.md
!docs/keep/**
   secrets/   
tmp?
`;

// [path, ignored]
const IGNORE_CASES: Array<[string, boolean]> = [
  ['app.log', true],
  ['important.log', false],
  ['sub/app.log', false],
  ['build', true],
  ['build/out/bin', true],
  ['src/build', false],
  ['node_modules/x/index.js', true],
  ['a/b/node_modules/y.js', true],
  ['docs/guide.md', true],
  ['docs/a/b/guide.md', true],
  ['docs/keep/readme.md', false],
  ['docs/guide.txt', false],
  ['secrets/key.pem', true],
  ['tmp1', true],
  ['tmp12', false],
  ['# comment', false],
  ['src/main.ts', false],
];

test('dockerignore matching', () => {
  const rules = parseDockerignore(IGNORE);
  for (const [path, expected] of IGNORE_CASES) assert.equal(isIgnored(rules, path), expected, path);
});

test('dockerignore last match wins', () => {
  assert.equal(isIgnored(parseDockerignore('!a.txt\n*.txt\n'), 'a.txt'), true);
  assert.equal(isIgnored(parseDockerignore('*.txt\n!a.txt\n'), 'a.txt'), false);
  assert.equal(isIgnored(parseDockerignore('*\n!src\n'), 'src/x/y.ts'), false);
  assert.equal(isIgnored(parseDockerignore('*\n!src\n'), 'other'), true);
});

test('dockerignore cleans patterns', () => {
  assert.deepEqual(parseDockerignore('/a/../b/./c/\n!/x\n').map((rule) => [rule.pattern, rule.exclusion]), [
    ['b/c', false],
    ['x', true],
  ]);
});
