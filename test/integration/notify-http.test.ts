import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { inspect } from 'node:util';
import { NotifyError, createChannel, deliver, digest, type Channel } from '../../src/notify/index.js';
import { startHttpReceiver, type HttpReceiver } from '../helpers/receivers.js';
import { fakeClock, unusedImageNotice, vulnerabilityNotice } from '../unit/notify/support.js';

const GOTIFY_TOKEN = 'AgotifyAppToken.x9';
const NTFY_TOKEN = 'tk_ntfysecrettoken0000000000001';
const WEBHOOK_SECRET = 'webhook-signing-secret-0123456789';
const ALL_SECRETS = [GOTIFY_TOKEN, NTFY_TOKEN, WEBHOOK_SECRET, 'wrong-token-value-42', 'wrong-webhook-secret-0123456789'];

let receiver: HttpReceiver;

before(async () => {
  receiver = await startHttpReceiver({ gotifyToken: GOTIFY_TOKEN, webhookSecret: WEBHOOK_SECRET, ntfyToken: NTFY_TOKEN });
});
after(async () => {
  await receiver.close();
});

function lastRequest() {
  const request = receiver.requests.at(-1);
  assert.ok(request, 'the receiver recorded no request');
  return request;
}

/** Sends once and returns the thrown error, failing the test if the send succeeded. */
async function sendError(channel: Channel): Promise<NotifyError> {
  const error = await channel.send(vulnerabilityNotice(), AbortSignal.timeout(10_000)).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  assert.ok(error instanceof NotifyError, `expected a NotifyError, got ${inspect(error)}`);
  return error;
}

function assertNoSecrets(error: unknown): void {
  const text = `${inspect(error, { depth: 10 })} ${JSON.stringify(error)}`;
  for (const secret of ALL_SECRETS) assert.ok(!text.includes(secret), `error text contains the secret ${secret}`);
}

describe('webhook channel', () => {
  test('delivers signed JSON with the documented fields', async () => {
    const channel = createChannel({
      name: 'hook',
      type: 'webhook',
      url: `${receiver.url}/hooks/bosun`,
      secret: WEBHOOK_SECRET,
      headers: { 'X-Api-Key': 'receiver-key', 'User-Agent': 'custom-agent' },
    });
    await channel.send(vulnerabilityNotice(), AbortSignal.timeout(10_000));

    const request = lastRequest();
    assert.equal(request.route, 'webhook');
    assert.equal(request.fields['signatureValid'], true);
    assert.equal(request.headers['x-bosun-event'], 'vulnerability.new');
    assert.equal(request.headers['x-api-key'], 'receiver-key');
    assert.equal(request.headers['user-agent'], 'custom-agent');
    assert.match(String(request.headers['content-type']), /^application\/json/);

    const payload = request.fields['payload'] as Record<string, unknown>;
    assert.equal(payload['schema'], 1);
    assert.equal(payload['event'], 'vulnerability.new');
    const timestamp = Number(request.headers['x-bosun-timestamp']);
    assert.ok(Number.isInteger(timestamp), 'X-Bosun-Timestamp is whole seconds');
    assert.equal(timestamp, Math.floor(Date.parse(String(payload['sentAt'])) / 1000));
    assert.deepEqual(payload['notice'], {
      id: 'vuln:web-1:GHSA-aaaa-bbbb-cccc:openssl',
      kind: 'vulnerability.new',
      title: 'GHSA-aaaa-bbbb-cccc in openssl 3.0.11 (lab/app:1)',
      body: 'openssl 3.0.11 in container web-1 is affected by GHSA-aaaa-bbbb-cccc.',
      severity: 'critical',
      host: 'lab-host',
      container: 'web-1',
      image: { reference: 'lab/app:1', digest: `sha256:${'a'.repeat(64)}` },
      advisory: {
        id: 'GHSA-aaaa-bbbb-cccc',
        aliases: ['CVE-2024-0001'],
        severity: 'critical',
        fixedVersion: '3.0.13',
        url: 'https://osv.dev/vulnerability/GHSA-aaaa-bbbb-cccc',
      },
      createdAt: '2024-05-01T12:00:00.000Z',
    });
  });

  test('sends a digest with its notices', async () => {
    const channel = createChannel({ name: 'hook', type: 'webhook', url: `${receiver.url}/hooks/bosun`, secret: WEBHOOK_SECRET });
    const combined = digest([vulnerabilityNotice(), unusedImageNotice()], { now: new Date('2024-05-03T00:00:00Z') });
    await channel.send(combined, AbortSignal.timeout(10_000));

    const request = lastRequest();
    assert.equal(request.headers['x-bosun-event'], 'digest');
    const payload = request.fields['payload'] as { event: string; digest: Record<string, unknown> };
    assert.equal(payload.event, 'digest');
    assert.equal(payload.digest['id'], combined.id);
    assert.deepEqual(payload.digest['counts'], { 'vulnerability.new': 1, 'image.unused': 1 });
    assert.equal((payload.digest['notices'] as unknown[]).length, 2);
  });

  test('wrong secret is a permanent error', async () => {
    const channel = createChannel({
      name: 'hook',
      type: 'webhook',
      url: `${receiver.url}/hooks/bosun`,
      secret: 'wrong-webhook-secret-0123456789',
    });
    const error = await sendError(channel);
    assert.equal(error.status, 401);
    assert.equal(error.retryable, false);
    assertNoSecrets(error);
  });
});

describe('ntfy channel', () => {
  test('publishes title, priority, tags and click', async () => {
    const channel = createChannel({ name: 'phone', type: 'ntfy', url: receiver.url, topic: 'bosun-alerts', token: NTFY_TOKEN });
    const notice = vulnerabilityNotice({ title: 'Kritische Lücke in openssl — web-1 🚨' });
    await channel.send(notice, AbortSignal.timeout(10_000));

    const request = lastRequest();
    assert.equal(request.route, 'ntfy');
    assert.equal(request.method, 'POST');
    assert.equal(request.headers.authorization, `Bearer ${NTFY_TOKEN}`);
    assert.equal(request.fields['topic'], 'bosun-alerts');
    assert.equal(request.fields['title'], 'Kritische Lücke in openssl — web-1 🚨');
    assert.equal(request.fields['priority'], '5');
    assert.deepEqual(request.fields['tags'], ['rotating_light', 'bosun', 'vulnerability.new', 'critical']);
    assert.equal(request.fields['click'], 'https://osv.dev/vulnerability/GHSA-aaaa-bbbb-cccc');
    const message = String(request.fields['message']);
    assert.ok(message.startsWith(notice.body), 'message starts with the notice body');
    assert.match(message, /^Fixed in: 3\.0\.13$/m);
    assert.match(message, /^Container: web-1$/m);
  });

  test('maps severity to priority', async () => {
    const channel = createChannel({ name: 'phone', type: 'ntfy', url: receiver.url, topic: 'bosun-alerts', token: NTFY_TOKEN });
    const cases = [
      { severity: 'high', priority: '4' },
      { severity: 'medium', priority: '3' },
      { severity: 'low', priority: '2' },
    ] as const;
    for (const { severity, priority } of cases) {
      await channel.send(vulnerabilityNotice({ severity }), AbortSignal.timeout(10_000));
      assert.equal(lastRequest().fields['priority'], priority, `severity ${severity}`);
    }
  });

  test('wrong token is a permanent error', async () => {
    const channel = createChannel({ name: 'phone', type: 'ntfy', url: receiver.url, topic: 'bosun-alerts', token: 'wrong-token-value-42' });
    const error = await sendError(channel);
    assert.equal(error.status, 401);
    assert.equal(error.retryable, false);
    assert.equal(error.code, 'notify.rejected');
    assertNoSecrets(error);
  });

  test('missing credentials is a permanent error', async () => {
    const channel = createChannel({ name: 'phone', type: 'ntfy', url: receiver.url, topic: 'bosun-alerts' });
    const error = await sendError(channel);
    assert.equal(error.status, 403);
    assert.equal(error.retryable, false);
  });

  test('error message hides the topic', async () => {
    const channel = createChannel({ name: 'phone', type: 'ntfy', url: receiver.url, topic: 'secret-topic-name', token: 'wrong-token-value-42' });
    const error = await sendError(channel);
    assert.ok(!error.message.includes('secret-topic-name'), error.message);
  });
});

describe('ntfy channel with basic auth', () => {
  test('sends the user and password', async () => {
    const basic = await startHttpReceiver({
      gotifyToken: GOTIFY_TOKEN,
      webhookSecret: WEBHOOK_SECRET,
      ntfyUser: { username: 'phil', password: 'basic-pass-secret' },
    });
    try {
      const channel = createChannel({ name: 'phone', type: 'ntfy', url: basic.url, topic: 'alerts', username: 'phil', password: 'basic-pass-secret' });
      await channel.send(unusedImageNotice(), AbortSignal.timeout(10_000));
      const request = basic.requests.at(-1);
      assert.equal(request?.fields['title'], 'lab/old:2 is no longer used by any container');
      assert.deepEqual(request?.fields['tags'], ['wastebasket', 'bosun', 'image.unused', 'unknown']);

      const wrong = createChannel({ name: 'phone', type: 'ntfy', url: basic.url, topic: 'alerts', username: 'phil', password: 'wrong-token-value-42' });
      const error = await sendError(wrong);
      assert.equal(error.status, 401);
      assertNoSecrets(error);
    } finally {
      await basic.close();
    }
  });
});

describe('gotify channel', () => {
  test('posts title, message, priority and extras', async () => {
    const channel = createChannel({ name: 'gotify', type: 'gotify', url: receiver.url, token: GOTIFY_TOKEN });
    const notice = vulnerabilityNotice();
    await channel.send(notice, AbortSignal.timeout(10_000));

    const request = lastRequest();
    assert.equal(request.route, 'gotify');
    assert.equal(request.headers['x-gotify-key'], GOTIFY_TOKEN);
    assert.deepEqual(request.query, {});
    assert.equal(request.fields['title'], notice.title);
    assert.equal(request.fields['priority'], 10);
    assert.ok(String(request.fields['message']).startsWith(notice.body));
    assert.deepEqual(request.fields['extras'], {
      'client::display': { contentType: 'text/plain' },
      'client::notification': { click: { url: 'https://osv.dev/vulnerability/GHSA-aaaa-bbbb-cccc' } },
      'bosun::notice': { id: notice.id, event: 'vulnerability.new', severity: 'critical' },
    });
  });

  test('sends the token as a query parameter', async () => {
    const channel = createChannel({ name: 'gotify', type: 'gotify', url: receiver.url, token: GOTIFY_TOKEN, tokenIn: 'query' });
    await channel.send(unusedImageNotice(), AbortSignal.timeout(10_000));

    const request = lastRequest();
    assert.equal(request.query['token'], GOTIFY_TOKEN);
    assert.equal(request.headers['x-gotify-key'], undefined);
    assert.equal(request.fields['priority'], 5);
  });

  test('wrong token is a permanent error', async () => {
    for (const tokenIn of ['header', 'query'] as const) {
      const channel = createChannel({ name: 'gotify', type: 'gotify', url: receiver.url, token: 'wrong-token-value-42', tokenIn });
      const error = await sendError(channel);
      assert.equal(error.status, 401, tokenIn);
      assert.equal(error.retryable, false, tokenIn);
      assertNoSecrets(error);
    }
  });
});

describe('deliver over HTTP', () => {
  const gotify = () => createChannel({ name: 'gotify', type: 'gotify', url: receiver.url, token: GOTIFY_TOKEN });

  test('503 twice then 200 delivers on attempt 3', async () => {
    receiver.script('gotify', { status: 503 }, { status: 503 });
    const before = receiver.requests.length;
    const { clock, sleeps } = fakeClock();

    const result = await deliver(gotify(), vulnerabilityNotice(), { attempts: 5, baseDelayMs: 1000, signal: AbortSignal.timeout(10_000), clock });

    assert.deepEqual(result, { ok: true, attempts: 3 });
    assert.equal(receiver.requests.length - before, 3);
    assert.deepEqual(sleeps, [750, 1500]);
  });

  test('always 500 fails after all attempts', async () => {
    receiver.script('gotify', { status: 500, body: 'internal error' }, { status: 500 }, { status: 500 }, { status: 500 });
    const before = receiver.requests.length;
    const { clock, sleeps } = fakeClock();

    const result = await deliver(gotify(), vulnerabilityNotice(), { attempts: 4, baseDelayMs: 100, signal: AbortSignal.timeout(10_000), clock });

    assert.equal(result.ok, false);
    assert.ok(!result.ok);
    assert.equal(result.attempts, 4);
    assert.equal(result.permanent, false);
    assert.equal(result.status, 500);
    assert.match(result.error, /HTTP 500/);
    assert.equal(receiver.requests.length - before, 4);
    assert.equal(sleeps.length, 3);
  });

  test('429 Retry-After in seconds is honoured', async () => {
    receiver.script('gotify', { status: 429, headers: { 'retry-after': '7' } });
    const { clock, sleeps } = fakeClock();

    const result = await deliver(gotify(), vulnerabilityNotice(), { attempts: 3, baseDelayMs: 10, signal: AbortSignal.timeout(10_000), clock });

    assert.deepEqual(result, { ok: true, attempts: 2 });
    assert.deepEqual(sleeps, [7000]);
  });

  test('429 Retry-After as HTTP date is honoured', async () => {
    const start = Date.parse('2024-05-01T12:00:00.000Z');
    receiver.script('gotify', { status: 429, headers: { 'retry-after': new Date(start + 90_000).toUTCString() } });
    const { clock, sleeps } = fakeClock(start);

    const result = await deliver(gotify(), vulnerabilityNotice(), { attempts: 3, baseDelayMs: 10, signal: AbortSignal.timeout(10_000), clock });

    assert.deepEqual(result, { ok: true, attempts: 2 });
    assert.deepEqual(sleeps, [90_000]);
  });

  test('Retry-After beyond the limit ends as retryable', async () => {
    receiver.script('gotify', { status: 429, headers: { 'retry-after': '3600' } });
    const { clock, sleeps } = fakeClock();

    const result = await deliver(gotify(), vulnerabilityNotice(), {
      attempts: 3,
      baseDelayMs: 10,
      maxRetryAfterMs: 60_000,
      signal: AbortSignal.timeout(10_000),
      clock,
    });

    assert.ok(!result.ok);
    assert.equal(result.attempts, 1);
    assert.equal(result.permanent, false);
    assert.equal(result.status, 429);
    assert.deepEqual(sleeps, []);
  });

  test('wrong token stops after one attempt', async () => {
    const channel = createChannel({ name: 'gotify', type: 'gotify', url: receiver.url, token: 'wrong-token-value-42', tokenIn: 'query' });
    const { clock, sleeps } = fakeClock();

    const result = await deliver(channel, vulnerabilityNotice(), { attempts: 5, baseDelayMs: 10, signal: AbortSignal.timeout(10_000), clock });

    assert.ok(!result.ok);
    assert.equal(result.attempts, 1);
    assert.equal(result.permanent, true);
    assert.equal(result.status, 401);
    assert.deepEqual(sleeps, []);
    for (const secret of ALL_SECRETS) assert.ok(!result.error.includes(secret), result.error);
  });

  test('refused connection is retried', async () => {
    const closed = await unusedPort();
    const channel = createChannel({ name: 'gotify', type: 'gotify', url: `http://127.0.0.1:${closed}`, token: GOTIFY_TOKEN });
    const { clock, sleeps } = fakeClock();

    const result = await deliver(channel, vulnerabilityNotice(), { attempts: 2, baseDelayMs: 10, signal: AbortSignal.timeout(10_000), clock });

    assert.ok(!result.ok);
    assert.equal(result.attempts, 2);
    assert.equal(result.permanent, false);
    assert.match(result.error, /ECONNREFUSED/);
    assert.equal(sleeps.length, 1);
  });

  test('silent receiver times out as retryable', async () => {
    const silent = await startSilentServer();
    try {
      const channel = createChannel({ name: 'gotify', type: 'gotify', url: silent.url, token: GOTIFY_TOKEN, timeoutMs: 200 });
      const error = await sendError(channel);
      assert.equal(error.code, 'notify.timeout');
      assert.equal(error.retryable, true);
    } finally {
      await silent.close();
    }
  });

  test('caller abort rejects with its reason', async () => {
    const silent = await startSilentServer();
    try {
      const channel = createChannel({ name: 'gotify', type: 'gotify', url: silent.url, token: GOTIFY_TOKEN, timeoutMs: 60_000 });
      const controller = new AbortController();
      const reason = new Error('shutting down');
      const pending = deliver(channel, vulnerabilityNotice(), { attempts: 3, baseDelayMs: 10, signal: controller.signal });
      setTimeout(() => controller.abort(reason), 50);
      await assert.rejects(pending, (error) => error === reason);
    } finally {
      await silent.close();
    }
  });
});

async function unusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Starts a TCP server that accepts connections and never responds. */
async function startSilentServer(): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<import('node:net').Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
