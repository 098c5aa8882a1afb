import assert from 'node:assert/strict';
import { test } from 'node:test';
import { displayWidth, fitToWidth, sanitiseText, truncateToWidth } from '../../../src/report/text.js';

test('display width of text', () => {
  const cases: Array<[string, number]> = [
    ['', 0],
    ['openssl', 7],
    ['naïve', 5],
    ['nai\u0308ve', 5],
    ['漢字', 4],
    ['한국어', 6],
    ['ｆｕｌｌ', 8],
    ['🔥', 2],
  ];
  for (const [text, width] of cases) assert.equal(displayWidth(text), width, JSON.stringify(text));
});

test('truncate to width', () => {
  const cases: Array<[string, number, string]> = [
    ['openssl', 10, 'openssl'],
    ['openssl', 7, 'openssl'],
    ['openssl', 6, 'opens…'],
    ['openssl', 1, '…'],
    ['openssl', 0, ''],
    ['漢字漢字', 5, '漢字…'],
    ['漢字漢字', 4, '漢…'],
  ];
  for (const [text, width, expected] of cases) {
    const cut = truncateToWidth(text, width);
    assert.equal(cut, expected, `${text} at ${width}`);
    assert.ok(displayWidth(cut) <= width, `${text} at ${width} is ${displayWidth(cut)} wide`);
  }
});

test('fit to width pads', () => {
  assert.equal(fitToWidth('ab', 4), 'ab  ');
  assert.equal(fitToWidth('漢字漢字', 4), '漢… ');
  assert.equal(displayWidth(fitToWidth('漢字漢字', 4)), 4);
});

test('sanitise strips control sequences', () => {
  const cases: Array<[string, string]> = [
    ['plain text', 'plain text'],
    ['line one\nline two', 'line one line two'],
    ['tab\there', 'tab here'],
    ['\u001b[31mred\u001b[0m', 'red'],
    ['\u001b[1;2Hmoved', 'moved'],
    ['title\u001b]0;owned\u0007 end', 'title end'],
    ['link \u001b]8;;https://x.invalid\u001b\\text', 'link text'],
    ['lone \u001b escape', 'lone escape'],
    ['c1\u009bcontrol', 'c1 control'],
    ['bidi \u202eevil\u202c text', 'bidi evil text'],
    ['  padded  ', 'padded'],
  ];
  for (const [input, expected] of cases) assert.equal(sanitiseText(input), expected, JSON.stringify(input));
});
