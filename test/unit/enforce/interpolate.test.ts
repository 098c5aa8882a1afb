import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DotenvError, interpolate, InterpolationError, parseDotenv } from '../../../src/enforce/compose/index.js';

const variables: Record<string, string> = { SET: 'value', EMPTY: '', NAME: 'SET', PORT: '8080' };
const lookup = (name: string): string | undefined => variables[name];

test('interpolation table', () => {
  const cases: Array<[string, string]> = [
    ['plain text', 'plain text'],
    ['$SET', 'value'],
    ['${SET}', 'value'],
    ['a${SET}b', 'avalueb'],
    ['$SET-suffix', 'value-suffix'],
    ['${MISSING}', ''],
    ['$MISSING', ''],
    ['${MISSING:-fallback}', 'fallback'],
    ['${EMPTY:-fallback}', 'fallback'],
    ['${SET:-fallback}', 'value'],
    ['${MISSING-fallback}', 'fallback'],
    ['${EMPTY-fallback}', ''],
    ['${SET:+alt}', 'alt'],
    ['${EMPTY:+alt}', ''],
    ['${EMPTY+alt}', 'alt'],
    ['${MISSING+alt}', ''],
    ['${MISSING:-${SET}}', 'value'],
    ['${MISSING:-${ALSO_MISSING:-deep}}', 'deep'],
    ['${MISSING:-a}{b}', 'a{b}'],
    ['$$SET', '$SET'],
    ['$${SET}', '${SET}'],
    ['cost: 5$', 'cost: 5$'],
    ['$ 1', '$ 1'],
    ['${PORT}:80', '8080:80'],
    ['${SET:?not used}', 'value'],
    ['${EMPTY?allowed when empty}', ''],
    ['${MISSING:-}', ''],
  ];
  for (const [input, expected] of cases) {
    assert.equal(interpolate(input, lookup).value, expected, input);
  }
});

test('interpolation reports unset variables once', () => {
  const result = interpolate('${MISSING} $MISSING ${OTHER:-x} ${NOPE}', lookup);
  assert.deepEqual(result.unset, ['MISSING', 'NOPE']);
});

test('interpolation errors', () => {
  const cases: Array<[string, RegExp, string | undefined]> = [
    ['${MISSING:?set it}', /required variable MISSING is not set: set it/, 'MISSING'],
    ['${EMPTY:?must not be empty}', /required variable EMPTY is empty: must not be empty/, 'EMPTY'],
    ['${MISSING?}', /required variable MISSING is not set$/, 'MISSING'],
    ['${MISSING:?${SET} needed}', /: value needed/, 'MISSING'],
    ['${UNCLOSED', /missing "}"/, undefined],
    ['${}', /does not start with a variable name/, undefined],
    ['${1ABC}', /does not start with a variable name/, undefined],
    ['${A B}', /unknown modifier/, undefined],
    ['${A/x/y}', /unknown modifier/, undefined],
  ];
  for (const [input, message, variable] of cases) {
    assert.throws(
      () => interpolate(input, lookup),
      (error: unknown) => error instanceof InterpolationError && message.test(error.message) && error.variable === variable,
      input,
    );
  }
});

test('interpolation nesting is bounded', () => {
  const deep = `${'${A:-'.repeat(40)}x${'}'.repeat(40)}`;
  assert.throws(() => interpolate(deep, lookup), /nested more than/);
});

test('dotenv parsing', () => {
  const text = [
    '# comment',
    '',
    'PLAIN=value',
    'export EXPORTED=yes',
    'SPACED =  padded  ',
    'COMMENTED=value # trailing comment',
    'HASH=a#b',
    "SINGLE='literal ${PLAIN} \\n'",
    'DOUBLE="line\\nnext ${PLAIN}"',
    'MULTI="first',
    'second"',
    'REF=${PLAIN}-${FROM_ENV}',
    'EMPTY=',
    'ESCAPED="\\$PLAIN"',
  ].join('\n');
  const values = parseDotenv(text, (name) => (name === 'FROM_ENV' ? 'env' : undefined));
  assert.deepEqual(values, {
    PLAIN: 'value',
    EXPORTED: 'yes',
    SPACED: 'padded',
    COMMENTED: 'value',
    HASH: 'a#b',
    SINGLE: 'literal ${PLAIN} \\n',
    DOUBLE: 'line\nnext value',
    MULTI: 'first\nsecond',
    REF: 'value-env',
    EMPTY: '',
    ESCAPED: '$PLAIN',
  });
});

test('dotenv errors name the line', () => {
  const cases: Array<[string, number, RegExp]> = [
    ['A=1\nno equals sign', 2, /expected KEY=VALUE/],
    ['A=1\n\n1BAD=x', 3, /invalid variable name/],
    ['A="unterminated\nB=2', 1, /missing closing "/],
    ["A='x' trailing", 1, /unexpected text after the closing quote/],
    ['A=${MISSING:?needed}', 1, /required variable MISSING/],
  ];
  for (const [text, line, message] of cases) {
    assert.throws(() => parseDotenv(text), (error: unknown) => error instanceof DotenvError && error.line === line && message.test(error.message), text);
  }
});
