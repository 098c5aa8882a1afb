import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import test from 'node:test';
import { parseEndpoint } from '../../src/engine/index.js';
import { enqueueScan, recoverJobs, ScanQueue, type ScanFinished } from '../../src/monitor/index.js';
import type { CatalogueOutcome } from '../../src/scan/index.js';
import { openStore, type Store } from '../../src/store/index.js';
import { docker, ensureLab, labSkipReason } from '../helpers/lab.js';

const skip = labSkipReason();

async function tempStore(t: test.TestContext): Promise<Store> {
  const dir = mkdtempSync(path.join(tmpdir(), 'bosun-monitor-'));
  const store = await openStore({ dataDir: dir });
  t.after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return store;
}

function jobRow(store: Store, key: string) {
  return store.db.selectFrom('jobs').selectAll().where('kind', '=', 'scan').where('key', '=', key).executeTakeFirstOrThrow();
}

test('scan queue scans a new image once', { skip }, async (t) => {
  const lab = ensureLab();
  const store = await tempStore(t);
  const endpoint = parseEndpoint(lab.dockerSock, { name: 'lab-docker', kind: 'docker' });
  const imageId = docker(lab, ['image', 'inspect', '--format', '{{.Id}}', 'lab/app:1']).trim();
  const scanned: Array<{ digest: string; outcome: CatalogueOutcome }> = [];
  const queue = new ScanQueue({ store, endpoints: [endpoint], onScanned: async (digest, outcome) => void scanned.push({ digest, outcome }) });
  const payload = { endpoint: 'lab-docker', kind: 'docker' as const, imageId, reference: 'lab/app:1' };

  assert.equal(await enqueueScan(store, payload), true);
  assert.equal(await enqueueScan(store, payload), false, 'a queued job is not queued twice');
  assert.equal(await queue.drain(), 1);
  assert.equal((await jobRow(store, imageId)).state, 'done');
  assert.equal(scanned.length, 1);
  assert.equal(scanned[0]!.digest, imageId);
  assert.ok(scanned[0]!.outcome.layers.length > 0);
  assert.ok(scanned[0]!.outcome.layers.every((layer) => !layer.cached), 'a fresh store reads every layer');

  const image = await store.db.selectFrom('images').selectAll().where('config_digest', '=', imageId).executeTakeFirstOrThrow();
  assert.ok((JSON.parse(image.packages) as unknown[]).length > 50);
  assert.equal(await enqueueScan(store, payload), false, 'an image catalogued with the current key is not queued');

  // An image catalogued with an older cataloguer key is scanned again, from the layer cache.
  await store.db.updateTable('images').set({ cataloguer_key: 'older' }).where('config_digest', '=', imageId).execute();
  assert.equal(await enqueueScan(store, payload), true);
  assert.equal(await queue.drain(), 1);
  assert.equal(scanned.length, 2);
  assert.ok(scanned[1]!.outcome.layers.every((layer) => layer.cached), 'the second scan hits the layer cache');
  assert.equal((await store.db.selectFrom('jobs').select('id').execute()).length, 1, 'one job row per image');
});

test('scan queue recovers a crashed job', { skip }, async (t) => {
  const lab = ensureLab();
  const store = await tempStore(t);
  const endpoint = parseEndpoint(lab.dockerSock, { name: 'lab-docker', kind: 'docker' });
  const imageId = docker(lab, ['image', 'inspect', '--format', '{{.Id}}', 'lab/debian:bookworm']).trim();
  const now = new Date().toISOString();
  // The state a process killed in the middle of a scan leaves behind.
  await store.db
    .insertInto('jobs')
    .values({
      kind: 'scan',
      key: imageId,
      payload: JSON.stringify({ endpoint: 'lab-docker', kind: 'docker', imageId }),
      state: 'running',
      attempts: 1,
      last_error: null,
      created_at: now,
      updated_at: now,
    })
    .execute();

  const queue = new ScanQueue({ store, endpoints: [endpoint] });
  assert.equal(await queue.drain(), 0, 'a running job is not taken before recovery');
  assert.equal(await recoverJobs(store), 1);
  assert.equal((await jobRow(store, imageId)).state, 'queued');
  assert.equal(await queue.drain(), 1);

  const job = await jobRow(store, imageId);
  assert.equal(job.state, 'done');
  assert.equal(job.attempts, 2);
  assert.ok(await store.db.selectFrom('images').select('config_digest').where('config_digest', '=', imageId).executeTakeFirst());
});

test('scan queue workers run and stop', { skip }, async (t) => {
  const lab = ensureLab();
  const store = await tempStore(t);
  const endpoint = parseEndpoint(lab.dockerSock, { name: 'lab-docker', kind: 'docker' });
  const imageId = docker(lab, ['image', 'inspect', '--format', '{{.Id}}', 'lab/app:1']).trim();
  let resolveScanned: (digest: string) => void = () => {};
  const scanned = new Promise<string>((resolve) => (resolveScanned = resolve));
  const queue = new ScanQueue({ store, endpoints: [endpoint], concurrency: 2, pollIntervalMs: 60_000, onScanned: async (digest) => resolveScanned(digest) });

  queue.start();
  t.after(() => queue.stop(1000));
  await enqueueScan(store, { endpoint: 'lab-docker', kind: 'docker', imageId });
  queue.notify();
  assert.equal(await scanned, imageId);
  await queue.stop(5000);
  assert.equal((await jobRow(store, imageId)).state, 'done');
});

test('scan job for a missing endpoint fails', { skip }, async (t) => {
  const store = await tempStore(t);
  const imageId = `sha256:${'a'.repeat(64)}`;
  const finished: ScanFinished[] = [];
  const queue = new ScanQueue({ store, endpoints: [], onScanFinished: (scan) => finished.push(scan) });
  await enqueueScan(store, { endpoint: 'gone', kind: 'docker', imageId });
  for (let run = 0; run < 3; run++) await queue.drain();
  const job = await jobRow(store, imageId);
  assert.equal(job.state, 'failed');
  assert.equal(job.attempts, 3);
  assert.match(job.last_error ?? '', /endpoint "gone"/);
  assert.deepEqual(finished.map((scan) => [scan.digest, scan.ok]), [[imageId, false], [imageId, false], [imageId, false]]);
  assert.ok(finished.every((scan) => scan.durationMs >= 0));
});
