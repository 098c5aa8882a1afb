import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import test from 'node:test';
import { createNotice, Dispatcher, imageUnusedNotice } from '../../../src/monitor/index.js';
import { NotifyError, type Channel, type Message } from '../../../src/notify/index.js';
import { openStore, type Store } from '../../../src/store/index.js';

/** A channel that records what it is sent, failing while `failures` is above zero. */
function recordingChannel(name: string, failures = 0, retryable = true): Channel & { sent: Message[] } {
  let remaining = failures;
  const sent: Message[] = [];
  return {
    name,
    type: 'webhook',
    sent,
    async send(message) {
      if (remaining > 0) {
        remaining -= 1;
        throw new NotifyError('notify.failed', `receiver returned HTTP ${retryable ? 503 : 401}`, { channel: name, retryable, status: retryable ? 503 : 401 });
      }
      sent.push(message);
    },
  };
}

async function storeWithNotices(t: test.TestContext, count: number, channels: string[]): Promise<Store> {
  const dir = mkdtempSync(path.join(tmpdir(), 'bosun-dispatch-'));
  const store = await openStore({ dataDir: dir });
  t.after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  for (let i = 0; i < count; i++) {
    const digest = `sha256:${String(i).padStart(64, '0')}`;
    const created = await createNotice(store.db, imageUnusedNotice(digest, `lab/app:${i}`, 'lab-docker', '2026-01-01T00:00:00.000Z', new Date()), channels);
    assert.equal(created, true);
    assert.equal(await createNotice(store.db, imageUnusedNotice(digest, `lab/app:${i}`, 'lab-docker', '2026-01-01T00:00:00.000Z', new Date()), channels), false, 'a notice is created once');
  }
  return store;
}

function statuses(store: Store, channel: string) {
  return store.db.selectFrom('deliveries').select(['status', 'attempts', 'last_error']).where('channel', '=', channel).orderBy('id').execute();
}

test('dispatcher sends each notice', async (t) => {
  const store = await storeWithNotices(t, 3, ['ops']);
  const channel = recordingChannel('ops');
  const dispatcher = new Dispatcher({ store, channels: [channel], settings: { attempts: 1, baseDelayMs: 0 } });

  assert.deepEqual(await dispatcher.runOnce(), { sent: 3, retrying: 0, dead: 0 });
  assert.equal(channel.sent.length, 3);
  assert.ok((await statuses(store, 'ops')).every((row) => row.status === 'sent' && row.attempts === 1));
  assert.deepEqual(await dispatcher.runOnce(), { sent: 0, retrying: 0, dead: 0 }, 'sent deliveries are not sent again');
});

test('dispatcher retries then dead-letters', async (t) => {
  const store = await storeWithNotices(t, 1, ['flaky', 'down', 'denied']);
  const flaky = recordingChannel('flaky', 1);
  const down = recordingChannel('down', 100);
  const denied = recordingChannel('denied', 100, false);
  const dispatcher = new Dispatcher({ store, channels: [flaky, down, denied], settings: { attempts: 1, baseDelayMs: 0, maxRuns: 3, retryAfterMs: 1000 } });

  const start = new Date();
  assert.deepEqual(await dispatcher.runOnce(undefined, start), { sent: 0, retrying: 2, dead: 1 });
  assert.equal((await statuses(store, 'denied'))[0]!.status, 'dead', 'a permanent failure is dead at once');
  assert.deepEqual(await dispatcher.runOnce(undefined, start), { sent: 0, retrying: 0, dead: 0 }, 'a retry waits for next_attempt_at');

  const later = (ms: number) => new Date(Date.now() + ms);
  assert.deepEqual(await dispatcher.runOnce(undefined, later(10_000)), { sent: 1, retrying: 1, dead: 0 });
  assert.deepEqual(await dispatcher.runOnce(undefined, later(60_000)), { sent: 0, retrying: 0, dead: 1 });
  const dead = (await statuses(store, 'down'))[0]!;
  assert.equal(dead.status, 'dead');
  assert.equal(dead.attempts, 3);
  assert.match(dead.last_error ?? '', /HTTP 503/);
});

test('dispatcher digest mode', async (t) => {
  const store = await storeWithNotices(t, 4, ['ops', 'gone']);
  const channel = recordingChannel('ops');
  const dispatcher = new Dispatcher({ store, channels: [channel], digestSchedule: '0 8 * * *', settings: { attempts: 1, baseDelayMs: 0 } });

  assert.deepEqual(await dispatcher.sendDigests(), { sent: 4, retrying: 0, dead: 4 });
  assert.equal(channel.sent.length, 1, 'one digest per channel');
  const message = channel.sent[0]!;
  assert.equal(message.kind, 'digest');
  assert.equal(message.kind === 'digest' ? message.notices.length : 0, 4);
  assert.ok((await statuses(store, 'gone')).every((row) => row.status === 'dead' && /not configured/.test(row.last_error ?? '')));
});
