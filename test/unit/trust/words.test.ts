import assert from 'node:assert/strict';
import { test } from 'node:test';
import { expandWord, findHeredocOperators, parseHeredocOperator } from '../../../src/trust/dockerfile/words.js';

const VARIABLES: Record<string, string> = { IMAGE: 'debian', TAG: '12', EMPTY: '' };
const lookup = (name: string): string | undefined => VARIABLES[name];

// [word, value, unresolved]
const EXPANSIONS: Array<[string, string, string[]]> = [
  ['$IMAGE:$TAG', 'debian:12', []],
  ['${IMAGE}:${TAG}', 'debian:12', []],
  ['${MISSING:-alpine}', 'alpine', []],
  ['${EMPTY:-alpine}', 'alpine', []],
  ['${EMPTY-alpine}', '', []],
  ['${MISSING-alpine}', 'alpine', []],
  ['${TAG:+-slim}', '-slim', []],
  ['${EMPTY:+-slim}', '', []],
  ['${EMPTY+-slim}', '-slim', []],
  ['${MISSING:+${OTHER}}', '', []],
  ['${MISSING:-${OTHER}}', '', ['OTHER']],
  ['${TAG:-${OTHER}}', '12', []],
  ['img:$MISSING', 'img:', ['MISSING']],
  ['${MISSING:?set it}', '', ['MISSING']],
  ['${TAG:?set it}', '12', []],
  ['${TAG#1}', '', ['TAG']],
  ['"$IMAGE"', 'debian', []],
  ["'$IMAGE'", '$IMAGE', []],
  ['\\$IMAGE', '$IMAGE', []],
  ['cost$', 'cost$', []],
  ['$1', '', ['1']],
];

for (const [word, value, unresolved] of EXPANSIONS) {
  test(`expandWord ${word}`, () => {
    const result = expandWord(word, lookup);
    assert.equal(result.value, value);
    assert.deepEqual(result.unresolved, unresolved);
  });
}

test('expandWord backtick escape', () => {
  assert.equal(expandWord('`$IMAGE', lookup, '`').value, '$IMAGE');
  assert.equal(expandWord('a\\b', lookup, '`').value, 'a\\b');
});

test('expandWord syntax errors', () => {
  for (const word of ['"open', "'open", '${TAG', '${}']) assert.throws(() => expandWord(word, lookup), /invalid word/, word);
});

test('heredoc operators', () => {
  const cases: Array<[string, Array<{ name: string; chomp: boolean; fileDescriptor: number }>]> = [
    ['RUN <<EOF', [{ name: 'EOF', chomp: false, fileDescriptor: 0 }]],
    ['RUN <<-EOT bash', [{ name: 'EOT', chomp: true, fileDescriptor: 0 }]],
    ['RUN <<"EOF" <<\'B\'', [{ name: 'EOF', chomp: false, fileDescriptor: 0 }, { name: 'B', chomp: false, fileDescriptor: 0 }]],
    ['RUN <<\\EOF', [{ name: 'EOF', chomp: false, fileDescriptor: 0 }]],
    ['RUN 3<<EOF cat', [{ name: 'EOF', chomp: false, fileDescriptor: 3 }]],
    ['RUN cat << EOF', []],
    ['RUN echo "<<EOF"', []],
    ['RUN echo a<<b', []],
  ];
  for (const [line, expected] of cases) assert.deepEqual(findHeredocOperators(line), expected, line);
  assert.equal(parseHeredocOperator('<<"A B"')?.name, 'A B');
});

test('expandWord bounds depth and length', () => {
  const nested = `${'${B:-'.repeat(20_000)}x${'}'.repeat(20_000)}`;
  assert.throws(() => expandWord(nested, () => undefined), /nested more than 100 levels deep/);
  const shallow = `${'${B:-'.repeat(50)}x${'}'.repeat(50)}`;
  assert.equal(expandWord(shallow, () => undefined).value, 'x');
  const long = 'x'.repeat(600_000);
  assert.throws(() => expandWord('$A$A', (name) => (name === 'A' ? long : undefined)), /expansion is longer than 1048576 characters/);
});
