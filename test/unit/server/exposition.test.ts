import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Histogram, writeExposition } from '../../../src/server/index.js';

test('label values are escaped', () => {
  const text = writeExposition([
    { name: 'bosun_x', help: 'Help with \\ and\nnewline.', type: 'gauge', samples: [{ labels: { channel: 'a"b\\c\nd' }, value: 1 }] },
  ]);
  assert.equal(text, '# HELP bosun_x Help with \\\\ and\\nnewline.\n# TYPE bosun_x gauge\nbosun_x{channel="a\\"b\\\\c\\nd"} 1\n');
});

test('special values', () => {
  const text = writeExposition([
    { name: 'bosun_y', help: 'y', type: 'gauge', samples: [{ value: NaN }, { value: Infinity }, { value: -Infinity }, { value: 0.25 }] },
  ]);
  assert.deepEqual(text.trimEnd().split('\n').slice(2), ['bosun_y NaN', 'bosun_y +Inf', 'bosun_y -Inf', 'bosun_y 0.25']);
});

test('invalid names throw', () => {
  assert.throws(() => writeExposition([{ name: 'bad-name', help: '', type: 'gauge', samples: [] }]), /invalid metric name/);
  assert.throws(() => writeExposition([{ name: 'ok', help: '', type: 'gauge', samples: [{ labels: { 'bad-label': 'x' }, value: 1 }] }]), /invalid label name/);
  assert.throws(() => writeExposition([{ name: 'ok', help: '', type: 'gauge', samples: [{ labels: { __reserved: 'x' }, value: 1 }] }]), /invalid label name/);
});

test('histogram buckets are cumulative', () => {
  const histogram = new Histogram('bosun_h_seconds', 'h', [1, 5]);
  for (const value of [0.5, 1, 3, 10]) histogram.observe(value);
  const samples = histogram.family().samples.map((sample) => [sample.suffix, sample.labels?.['le'], sample.value]);
  assert.deepEqual(samples, [
    ['_bucket', '1', 2],
    ['_bucket', '5', 3],
    ['_bucket', '+Inf', 4],
    ['_sum', undefined, 14.5],
    ['_count', undefined, 4],
  ]);
});
