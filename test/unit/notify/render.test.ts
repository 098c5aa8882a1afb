import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { digest } from '../../../src/notify/index.js';
import { encodeHeaderWords, renderText, singleLine, truncateUtf8 } from '../../../src/notify/render.js';
import { decodeEncodedWords } from '../../helpers/receivers.js';
import { unusedImageNotice, vulnerabilityNotice } from './support.js';

describe('encodeHeaderWords', () => {
  test('leaves printable ASCII alone', () => {
    assert.equal(encodeHeaderWords('CVE-2024-0001 in openssl (web-1)'), 'CVE-2024-0001 in openssl (web-1)');
  });

  const texts = ['Lücke', '漏洞 in openssl '.repeat(20), '🚨'.repeat(40), `é${'a'.repeat(44)}🚨`];
  for (const text of texts) {
    test(`round-trips ${text.slice(0, 12)}…`, () => {
      const encoded = encodeHeaderWords(text);
      assert.match(encoded, /^[\x20-\x7e]+$/, 'encoded value is printable ASCII');
      for (const word of encoded.split(' ')) assert.ok(word.length <= 75, `encoded-word of ${word.length} characters`);
      assert.equal(decodeEncodedWords(encoded), text);
    });
  }
});

describe('singleLine', () => {
  test('turns control characters into one space', () => {
    assert.equal(singleLine('a\r\nInjected: 1\u0000\u0007b'), 'a Injected: 1 b');
  });
  test('cuts to max characters without splitting a pair', () => {
    assert.equal(singleLine('🚨🚨🚨', 2), '🚨🚨');
  });
});

describe('truncateUtf8', () => {
  const cases = [
    { text: 'short', max: 100, expected: 'short' },
    { text: 'abcdefghij', max: 6, expected: 'abc…' },
    { text: 'ééééé', max: 7, expected: 'éé…' },
  ];
  for (const { text, max, expected } of cases) {
    test(`cuts ${text} to ${max} bytes`, () => {
      const result = truncateUtf8(text, max);
      assert.equal(result, expected);
      assert.ok(Buffer.byteLength(result) <= max);
    });
  }
});

describe('renderText', () => {
  test('appends the notice fields', () => {
    assert.equal(
      renderText(vulnerabilityNotice()),
      [
        'openssl 3.0.11 in container web-1 is affected by GHSA-aaaa-bbbb-cccc.',
        '',
        'Host: lab-host',
        'Container: web-1',
        `Image: lab/app:1 (sha256:${'a'.repeat(64)})`,
        'Advisory: GHSA-aaaa-bbbb-cccc (CVE-2024-0001), severity critical',
        'Fixed in: 3.0.13',
        'Details: https://osv.dev/vulnerability/GHSA-aaaa-bbbb-cccc',
      ].join('\n'),
    );
  });

  test('returns a digest body unchanged', () => {
    const combined = digest([unusedImageNotice()]);
    assert.equal(renderText(combined), combined.body);
  });
});
