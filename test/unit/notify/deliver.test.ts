import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { InputError } from '../../../src/common/errors.js';
import { NotifyError, deliver, retryDelay, type Channel, type Message } from '../../../src/notify/index.js';
import { isRetryableHttpStatus, parseRetryAfter, redactSecrets } from '../../../src/notify/errors.js';
import { fakeClock, vulnerabilityNotice } from './support.js';

/** Creates a channel that throws the queued errors, then succeeds, and counts the sends. */
function scriptedChannel(...failures: unknown[]): Channel & { sends: number } {
  const queue = [...failures];
  const channel = {
    name: 'scripted',
    type: 'webhook' as const,
    sends: 0,
    async send(_message: Message, signal: AbortSignal): Promise<void> {
      signal.throwIfAborted();
      channel.sends++;
      if (queue.length > 0) throw queue.shift();
    },
  };
  return channel;
}

function httpError(status: number, retryAfter?: string): NotifyError {
  return new NotifyError('notify.test', `responded with HTTP ${status}`, {
    channel: 'scripted',
    status,
    retryable: isRetryableHttpStatus(status),
    ...(retryAfter === undefined ? {} : { retryAfter }),
  });
}

describe('deliver', () => {
  test('first success takes one attempt', async () => {
    const { clock, sleeps } = fakeClock();
    const result = await deliver(scriptedChannel(), vulnerabilityNotice(), { attempts: 3, baseDelayMs: 100, signal: new AbortController().signal, clock });
    assert.deepEqual(result, { ok: true, attempts: 1 });
    assert.deepEqual(sleeps, []);
  });

  test('backoff doubles per attempt', async () => {
    const { clock, sleeps } = fakeClock(0, 0.5);
    const channel = scriptedChannel(httpError(502), httpError(503), httpError(504));
    const result = await deliver(channel, vulnerabilityNotice(), { attempts: 4, baseDelayMs: 1000, signal: new AbortController().signal, clock });
    assert.deepEqual(result, { ok: true, attempts: 4 });
    assert.deepEqual(sleeps, [750, 1500, 3000]);
  });

  test('permanent error stops at once', async () => {
    const { clock, sleeps } = fakeClock();
    const channel = scriptedChannel(httpError(401));
    const result = await deliver(channel, vulnerabilityNotice(), { attempts: 5, baseDelayMs: 10, signal: new AbortController().signal, clock });
    assert.deepEqual(result, { ok: false, attempts: 1, error: 'responded with HTTP 401', permanent: true, status: 401 });
    assert.equal(channel.sends, 1);
    assert.deepEqual(sleeps, []);
  });

  test('unexpected error is permanent', async () => {
    const { clock } = fakeClock();
    const channel = scriptedChannel(new TypeError('invalid header value'));
    const result = await deliver(channel, vulnerabilityNotice(), { attempts: 5, baseDelayMs: 10, signal: new AbortController().signal, clock });
    assert.deepEqual(result, { ok: false, attempts: 1, error: 'invalid header value', permanent: true });
  });

  test('retryable errors exhaust the attempts', async () => {
    const { clock, sleeps } = fakeClock();
    const channel = scriptedChannel(httpError(500), httpError(500), httpError(500));
    const result = await deliver(channel, vulnerabilityNotice(), { attempts: 2, baseDelayMs: 10, signal: new AbortController().signal, clock });
    assert.deepEqual(result, { ok: false, attempts: 2, error: 'responded with HTTP 500', permanent: false, status: 500 });
    assert.equal(channel.sends, 2);
    assert.equal(sleeps.length, 1);
  });

  test('abort before sending rejects', async () => {
    const controller = new AbortController();
    const reason = new Error('stop');
    controller.abort(reason);
    const channel = scriptedChannel();
    await assert.rejects(deliver(channel, vulnerabilityNotice(), { attempts: 2, baseDelayMs: 10, signal: controller.signal }), (error) => error === reason);
    assert.equal(channel.sends, 0);
  });

  test('abort during backoff rejects', async () => {
    const controller = new AbortController();
    const reason = new Error('stop');
    const channel = scriptedChannel(httpError(503));
    const pending = deliver(channel, vulnerabilityNotice(), { attempts: 3, baseDelayMs: 60_000, signal: controller.signal });
    setImmediate(() => controller.abort(reason));
    await assert.rejects(pending, (error) => error === reason);
    assert.equal(channel.sends, 1);
  });

  const badOptions = [
    { attempts: 0, baseDelayMs: 10 },
    { attempts: 1.5, baseDelayMs: 10 },
    { attempts: 3, baseDelayMs: -1 },
    { attempts: 3, baseDelayMs: Number.NaN },
  ];
  for (const options of badOptions) {
    test(`rejects attempts ${options.attempts} baseDelayMs ${options.baseDelayMs}`, async () => {
      await assert.rejects(deliver(scriptedChannel(), vulnerabilityNotice(), { ...options, signal: new AbortController().signal }), InputError);
    });
  }
});

describe('retryDelay', () => {
  const cases = [
    { attempt: 1, random: 0, expected: 500 },
    { attempt: 1, random: 0.999, expected: 1000 },
    { attempt: 3, random: 0, expected: 2000 },
    { attempt: 20, random: 0, expected: 5000, maxDelayMs: 10_000 },
    { attempt: 20, random: 0.999, expected: 9995, maxDelayMs: 10_000 },
  ];
  for (const { attempt, random, expected, maxDelayMs } of cases) {
    test(`attempt ${attempt} random ${random}`, () => {
      const { clock } = fakeClock(0, random);
      const options = { attempts: 30, baseDelayMs: 1000, signal: new AbortController().signal, ...(maxDelayMs ? { maxDelayMs } : {}) };
      assert.equal(retryDelay(attempt, httpError(503), options, clock), expected);
    });
  }

  test('Retry-After raises the delay', () => {
    const { clock } = fakeClock(0, 0);
    const options = { attempts: 3, baseDelayMs: 1000, signal: new AbortController().signal };
    assert.equal(retryDelay(1, httpError(429, '30'), options, clock), 30_000);
    assert.equal(retryDelay(1, httpError(429, '0'), options, clock), 500);
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2024-05-01T12:00:00.000Z');
  const cases: Array<[string | undefined, number | undefined]> = [
    [undefined, undefined],
    ['', undefined],
    ['120', 120_000],
    [' 5 ', 5000],
    ['-3', undefined],
    ['1.5', undefined],
    ['Wed, 01 May 2024 12:01:00 GMT', 60_000],
    ['Wed, 01 May 2024 11:00:00 GMT', 0],
    ['soon', undefined],
    ['Sunday, 06-Nov-94 08:49:37 GMT', 0],
    ['Wed May  1 12:00:30 2024', 30_000],
  ];
  for (const [value, expected] of cases) {
    test(`parses ${JSON.stringify(value)}`, () => {
      assert.equal(parseRetryAfter(value, now), expected);
    });
  }
});

describe('isRetryableHttpStatus', () => {
  const cases: Array<[number, boolean]> = [
    [400, false],
    [401, false],
    [403, false],
    [404, false],
    [408, true],
    [413, false],
    [422, false],
    [425, true],
    [429, true],
    [500, true],
    [502, true],
    [503, true],
  ];
  for (const [status, retryable] of cases) {
    test(`status ${status}`, () => {
      assert.equal(isRetryableHttpStatus(status), retryable);
    });
  }
});

describe('redactSecrets', () => {
  test('replaces every occurrence', () => {
    assert.equal(redactSecrets('a tok b tok', ['tok']), 'a [redacted] b [redacted]');
  });
  test('ignores empty secrets', () => {
    assert.equal(redactSecrets('abc', ['']), 'abc');
  });
});
