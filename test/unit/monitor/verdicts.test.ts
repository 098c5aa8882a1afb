import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import test from 'node:test';
import { Monitor } from '../../../src/monitor/index.js';
import type { Channel } from '../../../src/notify/index.js';
import { openStore, type Store } from '../../../src/store/index.js';

/*
 * Verdicts stored by the monitor, from a real store and a real policy file. The seeded images
 * have no build records and no shared layers, so each is untrusted until the policy blocks it.
 */

const APP = `sha256:${'a'.repeat(64)}`;
const BASE = `sha256:${'b'.repeat(64)}`;
const STOPPED = `sha256:${'d'.repeat(64)}`;
const NOW = '2026-06-01T12:00:00.000Z';
const TRUSTING = 'trustedBases:\n  - repository: lab/debian\n';
const BLOCKING = 'trustedBases:\n  - repository: lab/debian\nblocked:\n  - image: lab/app:1\n    reason: test block\n';

const channel: Channel = { name: 'hook', type: 'webhook', send: async () => undefined };

interface Setup {
  store: Store;
  policy: string;
  monitor: Monitor;
}

async function setup(t: test.TestContext, withPolicy = true): Promise<Setup> {
  const dir = mkdtempSync(path.join(tmpdir(), 'bosun-verdicts-'));
  const store = await openStore({ dataDir: dir });
  t.after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const policy = path.join(dir, 'policy.yaml');
  writeFileSync(policy, TRUSTING);
  await seed(store);
  const monitor = new Monitor({ store, channels: [channel], ...(withPolicy && { policyPath: policy }) });
  return { store, policy, monitor };
}

async function seed(store: Store): Promise<void> {
  const image = (digest: string, reference: string) => ({
    config_digest: digest, manifest_digest: null, references: JSON.stringify([reference]), diff_ids: JSON.stringify([`sha256:${digest.slice(-1).repeat(63)}f`]),
    os: null, packages: '[]', annotations: '{}', cataloguer_key: 'test', first_seen_at: NOW, scanned_at: NOW,
  });
  await store.db.insertInto('images').values([image(APP, 'lab/app:1'), image(BASE, 'lab/debian:bookworm'), image(STOPPED, 'lab/app:0')]).execute();

  const container = (id: string, name: string, digest: string, reference: string, state: string) => ({
    endpoint: 'local', id: id.repeat(64), name, image_reference: reference, image_config_digest: digest, image_manifest_digest: null,
    compose_project: null, compose_service: null, swarm_service: null, state, labels: '{}', first_seen_at: NOW, last_seen_at: NOW, removed_at: null,
  });
  await store.db.insertInto('containers').values([
    container('1', 'web', APP, 'lab/app:1', 'running'),
    container('2', 'db', BASE, 'lab/debian:bookworm', 'running'),
    container('3', 'old', STOPPED, 'lab/app:0', 'exited'),
  ]).execute();
}

async function storedVerdicts(store: Store): Promise<Record<string, string | null>> {
  const rows = await store.db.selectFrom('images').select(['config_digest', 'verdict']).execute();
  return Object.fromEntries(rows.map((row) => [row.config_digest, row.verdict]));
}

async function verdictNotices(store: Store) {
  return store.db.selectFrom('notices').selectAll().where('kind', '=', 'verdict.changed').execute();
}

test('first verdicts create no notice', async (t) => {
  const { store, monitor } = await setup(t);
  const outcome = await monitor.refreshVerdicts();
  assert.deepEqual(outcome, { images: 2, changed: 2, notices: 0 });
  assert.deepEqual(await storedVerdicts(store), { [APP]: 'untrusted', [BASE]: 'untrusted', [STOPPED]: null });
  assert.equal((await verdictNotices(store)).length, 0);
});

test('blocked image creates one notice', async (t) => {
  const { store, policy, monitor } = await setup(t);
  await monitor.refreshVerdicts();
  writeFileSync(policy, BLOCKING);

  const outcome = await monitor.refreshVerdicts();
  assert.deepEqual(outcome, { images: 2, changed: 1, notices: 1 });
  const notices = await verdictNotices(store);
  assert.equal(notices.length, 1);
  assert.equal(notices[0]!.image_config_digest, APP);
  assert.equal(notices[0]!.title, 'Trust verdict of lab/app:1 changed from untrusted to blocked');
  const deliveries = await store.db.selectFrom('deliveries').selectAll().where('notice_id', '=', notices[0]!.id).execute();
  assert.deepEqual(deliveries.map((delivery) => [delivery.channel, delivery.status]), [['hook', 'pending']]);
  const reasons = await store.db.selectFrom('images').select('verdict_reasons').where('config_digest', '=', APP).executeTakeFirstOrThrow();
  assert.ok((JSON.parse(reasons.verdict_reasons!) as string[]).some((reason) => reason.includes('test block')), reasons.verdict_reasons!);

  assert.deepEqual(await monitor.refreshVerdicts(), { images: 2, changed: 0, notices: 0 });
  assert.equal((await verdictNotices(store)).length, 1, 'a repeat run creates no notice');
});

test('verdicts limited to given digests', async (t) => {
  const { store, monitor } = await setup(t);
  assert.deepEqual(await monitor.refreshVerdicts([BASE, STOPPED]), { images: 1, changed: 1, notices: 0 });
  assert.deepEqual(await storedVerdicts(store), { [APP]: null, [BASE]: 'untrusted', [STOPPED]: null });
});

test('no policy stores no verdicts', async (t) => {
  const { store, monitor } = await setup(t, false);
  assert.equal(await monitor.refreshVerdicts(), undefined);
  assert.deepEqual(await storedVerdicts(store), { [APP]: null, [BASE]: null, [STOPPED]: null });
});
