import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import test from 'node:test';
import { importAdvisories } from '../../src/advisory/index.js';
import { parseEndpoint } from '../../src/engine/index.js';
import {
  addIgnoreRule,
  importVex,
  Inventory,
  listFindings,
  Monitor,
  parseVex,
  rematchImages,
} from '../../src/monitor/index.js';
import { createChannel } from '../../src/notify/index.js';
import { catalogueTarget } from '../../src/scan/index.js';
import { openStore, type Store } from '../../src/store/index.js';
import { runCli } from '../helpers/cli.js';
import { docker, ensureLab, labSkipReason, type Lab } from '../helpers/lab.js';
import { startHttpReceiver } from '../helpers/receivers.js';

const skip = labSkipReason();

const ZLIB_ADVISORY = 'DEBIAN-CVE-2099-0001';
const GLIBC_ADVISORY = 'DEBIAN-CVE-2099-0002';
const WEBHOOK_SECRET = 'monitor-test-secret-0123456789';

/** OSV records for packages the lab image really has: zlib (fix known) and glibc (no fix yet). */
function zlibRecord(): object {
  return {
    schema_version: '1.6.0',
    id: ZLIB_ADVISORY,
    summary: 'Test advisory: zlib inflate overflow',
    upstream: ['CVE-2099-0001'],
    modified: '2099-01-01T00:00:00Z',
    severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' }],
    affected: [
      {
        package: { ecosystem: 'Debian:12', name: 'zlib' },
        ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '1:1.2.13.dfsg-1+deb12u99' }] }],
      },
    ],
  };
}

function glibcRecord(fixed: string | undefined, modified: string): object {
  return {
    schema_version: '1.6.0',
    id: GLIBC_ADVISORY,
    summary: 'Test advisory: glibc resolver bug',
    upstream: ['CVE-2099-0002'],
    modified,
    severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:L/I:N/A:N' }],
    affected: [
      {
        package: { ecosystem: 'Debian:12', name: 'glibc' },
        ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, ...(fixed ? [{ fixed }] : [])] }],
      },
    ],
  };
}

function writeRecords(dir: string, records: object[]): void {
  mkdirSync(dir, { recursive: true });
  for (const record of records) writeFileSync(path.join(dir, `${(record as { id: string }).id}.json`), JSON.stringify(record));
}

function tempDir(t: test.TestContext, prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function waitFor<T>(what: string, read: () => Promise<T>, accept: (value: T) => boolean, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!accept(value)) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}; last value: ${JSON.stringify(value)}`);
    await sleep(100);
    value = await read();
  }
  return value;
}

function runContainer(t: test.TestContext, lab: Lab, suffix: string): string {
  const name = `bosun-test-monitor-${suffix}-${process.pid}`;
  docker(lab, ['run', '-d', '--network', 'none', '--name', name, 'lab/app:1', 'sleep', '300']);
  t.after(() => {
    docker(lab, ['rm', '-f', name]);
  });
  return name;
}

/** An HTTP receiver that fails every request with 500. */
async function failingReceiver(t: test.TestContext): Promise<{ url: string; hits: () => number }> {
  let hits = 0;
  const server = createServer((request, response) => {
    hits += 1;
    request.resume();
    response.writeHead(500).end('receiver broken');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits: () => hits };
}

function notices(store: Store, kind: string) {
  return store.db.selectFrom('notices').selectAll().where('kind', '=', kind).orderBy('id').execute();
}

function deliveriesOf(store: Store, channel: string) {
  return store.db.selectFrom('deliveries').selectAll().where('channel', '=', channel).orderBy('id').execute();
}

test('monitor syncs, re-matches and notifies', { skip }, async (t) => {
  const lab = ensureLab();
  const dataDir = tempDir(t, 'bosun-monitor-data-');
  const osvDir = tempDir(t, 'bosun-monitor-osv-');
  const imageId = docker(lab, ['image', 'inspect', '--format', '{{.Id}}', 'lab/app:1']).trim();

  const receiver = await startHttpReceiver({ gotifyToken: 'gotify-token', webhookSecret: WEBHOOK_SECRET });
  t.after(() => receiver.close());
  const failing = await failingReceiver(t);
  const channels = [
    createChannel({ name: 'hook', type: 'webhook', url: `${receiver.url}/hooks/bosun`, secret: WEBHOOK_SECRET }),
    createChannel({ name: 'phone', type: 'ntfy', url: receiver.url, topic: 'bosun-test' }),
    createChannel({ name: 'broken', type: 'webhook', url: `${failing.url}/hooks/bosun`, secret: WEBHOOK_SECRET }),
  ];
  const settings = {
    endpoints: [parseEndpoint(lab.dockerSock, { name: 'lab-docker', kind: 'docker' })],
    channels,
    syncSource: osvDir,
    schedule: '0 4 1 1 *',
    delivery: { attempts: 1, baseDelayMs: 0, maxRuns: 2, retryAfterMs: 0, pollIntervalMs: 3_600_000 },
  };

  let store = await openStore({ dataDir });
  t.after(() => store.close());
  const monitor = new Monitor({ store, ...settings });
  t.after(() => monitor.stop());
  const container = runContainer(t, lab, 'findings');
  await monitor.start();

  // The running container brings its image into the scan queue.
  const job = () => store.db.selectFrom('jobs').selectAll().where('kind', '=', 'scan').where('key', '=', imageId).executeTakeFirst();
  await waitFor('the scan job', job, (row) => row?.state === 'done');
  const scannedAt = (await store.db.selectFrom('images').select('scanned_at').where('config_digest', '=', imageId).executeTakeFirstOrThrow()).scanned_at;
  const layerRows = (await store.db.selectFrom('layers').select('diff_id').execute()).length;

  writeRecords(osvDir, [zlibRecord(), glibcRecord(undefined, '2099-01-01T00:00:00Z')]);
  const sync = await monitor.syncNow();
  assert.equal(sync.changedRecords, 2);
  assert.ok(sync.rematch.added >= 2, `findings added: ${sync.rematch.added}`);

  const findings = await listFindings(store, { image: imageId });
  const zlib = findings.filter((finding) => finding.advisoryId === ZLIB_ADVISORY);
  const glibc = findings.filter((finding) => finding.advisoryId === GLIBC_ADVISORY);
  assert.deepEqual(zlib.map((finding) => finding.packageName), ['zlib1g']);
  assert.equal(zlib[0]!.state, 'fixed-available');
  assert.equal(zlib[0]!.fixedVersion, '1:1.2.13.dfsg-1+deb12u99');
  assert.ok(glibc.length >= 1, 'glibc advisory matches libc6 and friends');
  assert.ok(glibc.every((finding) => finding.state === 'unfixed'));

  // Re-matching read no layer: the image was not scanned again and the layer cache did not grow.
  const image = await store.db.selectFrom('images').select('scanned_at').where('config_digest', '=', imageId).executeTakeFirstOrThrow();
  assert.equal(image.scanned_at, scannedAt);
  assert.equal((await store.db.selectFrom('layers').select('diff_id').execute()).length, layerRows);

  const created = await notices(store, 'vulnerability.new');
  assert.equal(created.length, findings.length, 'one vulnerability.new notice per finding');
  // Other tests may run lab/app:1 too, so the container a notice names need not be this one.
  assert.ok(created.every((notice) => notice.container !== null));
  assert.ok(created.every((notice) => notice.image_config_digest === imageId));

  // A second re-match, and a re-match after reopening the store, create nothing new.
  const again = await monitor.rematchAll();
  assert.equal(again.added, 0);
  assert.equal(again.notices, 0);
  await monitor.stop();
  await store.close();
  store = await openStore({ dataDir });
  const reopened = new Monitor({ store, channels, syncSource: osvDir, delivery: settings.delivery });
  t.after(() => reopened.stop());
  assert.equal((await reopened.rematchAll()).notices, 0);
  assert.deepEqual((await notices(store, 'vulnerability.new')).map((notice) => notice.id), created.map((notice) => notice.id));

  // An advisory update that adds a fixed version yields vulnerability.fixed, once.
  writeRecords(osvDir, [glibcRecord('2.36-9+deb12u99', '2099-02-01T00:00:00Z')]);
  const update = await reopened.syncNow();
  assert.equal(update.changedRecords, 1);
  const fixed = await notices(store, 'vulnerability.fixed');
  assert.equal(fixed.length, glibc.length);
  assert.ok(fixed.every((notice) => notice.advisory_id === GLIBC_ADVISORY));
  assert.equal((await reopened.rematchAll()).notices, 0);

  // Deliveries: the real receivers get every notice; the broken one ends dead after two runs.
  await reopened.start();
  const total = created.length + fixed.length;
  await waitFor('webhook deliveries', () => deliveriesOf(store, 'hook'), (rows) => rows.length === total && rows.every((row) => row.status === 'sent'));
  await waitFor('ntfy deliveries', () => deliveriesOf(store, 'phone'), (rows) => rows.length === total && rows.every((row) => row.status === 'sent'));
  // Delivery is at least once: stopping the first monitor mid-send may repeat a notice.
  const webhookRequests = receiver.requests.filter((request) => request.route === 'webhook');
  assert.ok(webhookRequests.every((request) => request.fields['signatureValid'] === true));
  const deliveredIds = new Set(webhookRequests.map((request) => (request.fields['payload'] as { notice: { id: string } }).notice.id));
  assert.deepEqual([...deliveredIds].sort(), [...created, ...fixed].map((notice) => notice.id).sort());
  assert.ok(receiver.requests.filter((request) => request.route === 'ntfy').length >= total);

  await waitFor('the first failed run', () => deliveriesOf(store, 'broken'), (rows) => rows.every((row) => row.attempts >= 1));
  reopened.deliverNow();
  const dead = await waitFor('dead letters', () => deliveriesOf(store, 'broken'), (rows) => rows.every((row) => row.status === 'dead'));
  assert.ok(dead.every((row) => row.attempts === 2));
  assert.ok(dead.every((row) => /500/.test(row.last_error ?? '')), dead[0]?.last_error ?? 'no error');
  assert.ok(failing.hits() >= total * 2);

});

test('image.unused after the last container', { skip }, async (t) => {
  const lab = ensureLab();
  const dataDir = tempDir(t, 'bosun-monitor-data-');
  // An image of its own, so that containers of other tests cannot keep it in use.
  const tag = `bosun-test/monitor-unused:${process.pid}`;
  docker(lab, ['build', '--network', 'none', '-q', '-t', tag, '-'], `FROM lab/debian:bookworm\nLABEL bosun.test.monitor=${process.pid}\n`);
  t.after(() => {
    docker(lab, ['rmi', '-f', tag]);
  });
  const imageId = docker(lab, ['image', 'inspect', '--format', '{{.Id}}', tag]).trim();
  const name = `bosun-test-monitor-unused-${process.pid}`;
  docker(lab, ['run', '-d', '--network', 'none', '--name', name, tag, 'sleep', '300']);
  t.after(() => {
    docker(lab, ['rm', '-f', name]);
  });

  const store = await openStore({ dataDir });
  t.after(() => store.close());
  const monitor = new Monitor({ store, endpoints: [parseEndpoint(lab.dockerSock, { name: 'lab-docker', kind: 'docker' })], channels: [], schedule: '0 4 1 1 *' });
  t.after(() => monitor.stop());
  await monitor.start();
  const row = () => store.db.selectFrom('containers').selectAll().where('name', '=', name).executeTakeFirst();
  await waitFor('the container row', row, (value) => value?.state === 'running');
  assert.deepEqual(await notices(store, 'image.unused'), []);

  docker(lab, ['rm', '-f', name]);
  const unused = await waitFor('the image.unused notice', () => notices(store, 'image.unused'), (rows) => rows.length === 1);
  assert.equal(unused[0]!.image_config_digest, imageId);
  assert.equal(unused[0]!.image_reference, tag);
  assert.equal(unused[0]!.endpoint, 'lab-docker');
  await monitor.stop();
});

/** A store holding the lab image, its catalogue and the test advisories, re-matched. */
async function matchedStore(t: test.TestContext, lab: Lab): Promise<{ store: Store; dataDir: string; imageId: string }> {
  const dataDir = tempDir(t, 'bosun-monitor-data-');
  const osvDir = tempDir(t, 'bosun-monitor-osv-');
  const store = await openStore({ dataDir });
  t.after(() => store.close());
  const outcome = await catalogueTarget('docker-daemon:lab/app:1', { store, open: { engine: { dockerHost: `unix://${lab.dockerSock}` } } });
  writeRecords(osvDir, [zlibRecord(), glibcRecord(undefined, '2099-01-01T00:00:00Z')]);
  await importAdvisories(store, osvDir);
  await rematchImages(store);
  return { store, dataDir, imageId: outcome.image.configDigest ?? '' };
}

test('ignore rules and VEX hide findings', { skip }, async (t) => {
  const lab = ensureLab();
  const { store, imageId } = await matchedStore(t, lab);
  const before = await listFindings(store, { image: imageId });
  assert.ok(before.some((finding) => finding.advisoryId === ZLIB_ADVISORY));

  await addIgnoreRule(store, { advisory: 'CVE-2099-0001', reason: 'zlib inflate is not reachable', expiresAt: '2030-01-01' });
  const during = await listFindings(store, { image: imageId, now: new Date('2029-06-01T00:00:00Z') });
  assert.equal(during.some((finding) => finding.advisoryId === ZLIB_ADVISORY), false, 'a rule by alias hides the finding');
  const shown = await listFindings(store, { image: imageId, includeIgnored: true, now: new Date('2029-06-01T00:00:00Z') });
  assert.equal(shown.find((finding) => finding.advisoryId === ZLIB_ADVISORY)?.ignoredBy?.reason, 'zlib inflate is not reachable');

  const after = await listFindings(store, { image: imageId, now: new Date('2030-06-01T00:00:00Z') });
  const expired = after.find((finding) => finding.advisoryId === ZLIB_ADVISORY);
  assert.ok(expired, 'an expired rule stops hiding the finding');
  assert.equal(expired.ignoredBy, undefined);
  assert.equal(expired.ignoreExpired?.expiresAt, '2030-01-01T00:00:00.000Z');

  const glibcPurls = before.filter((finding) => finding.advisoryId === GLIBC_ADVISORY).map((finding) => finding.packagePurl);
  const libc6 = glibcPurls.find((purl) => purl.startsWith('pkg:deb/debian/libc6@'));
  assert.ok(libc6, `libc6 among ${glibcPurls.join(', ')}`);
  const vex = parseVex(
    JSON.stringify({
      '@context': 'https://openvex.dev/ns/v0.2.0',
      '@id': 'https://example.test/vex/glibc-1',
      author: 'Test',
      timestamp: '2099-01-02T00:00:00Z',
      version: 1,
      statements: [
        { vulnerability: { name: 'CVE-2099-0002' }, products: [{ '@id': 'pkg:deb/debian/libc6' }], status: 'not_affected', justification: 'vulnerable_code_not_in_execute_path' },
        { vulnerability: { name: 'CVE-2099-0003' }, products: [{ '@id': 'pkg:deb/debian/libc6' }], status: 'under_investigation' },
      ],
    }),
  );
  const imported = await importVex(store, vex);
  assert.deepEqual(imported, { documentId: 'https://example.test/vex/glibc-1', rules: 1, skipped: 1 });
  assert.equal((await importVex(store, vex)).rules, 1, 'importing again replaces the rules');
  assert.equal((await store.db.selectFrom('ignore_rules').select('id').where('source', 'like', 'vex:%').execute()).length, 1);

  const withVex = await listFindings(store, { image: imageId });
  const glibcAfter = withVex.filter((finding) => finding.advisoryId === GLIBC_ADVISORY).map((finding) => finding.packagePurl);
  assert.equal(glibcAfter.includes(libc6), false, 'not_affected hides the libc6 finding');
  assert.equal(glibcAfter.length, glibcPurls.length - 1, 'other glibc packages stay visible');
  const hidden = (await listFindings(store, { image: imageId, includeIgnored: true })).find((finding) => finding.packagePurl === libc6);
  assert.equal(hidden?.ignoredBy?.source, 'vex:https://example.test/vex/glibc-1');
});

test('ignored findings create no notice', { skip }, async (t) => {
  const lab = ensureLab();
  const dataDir = tempDir(t, 'bosun-monitor-data-');
  const osvDir = tempDir(t, 'bosun-monitor-osv-');
  const store = await openStore({ dataDir });
  t.after(() => store.close());
  const outcome = await catalogueTarget('docker-daemon:lab/app:1', { store, open: { engine: { dockerHost: `unix://${lab.dockerSock}` } } });
  const imageId = outcome.image.configDigest ?? '';
  const now = new Date().toISOString();
  await store.db
    .insertInto('containers')
    .values({
      endpoint: 'lab-docker', id: 'c0ffee', name: 'web', image_reference: 'lab/app:1', image_config_digest: imageId, image_manifest_digest: null,
      compose_project: null, compose_service: null, swarm_service: null, state: 'running', labels: '{}', first_seen_at: now, last_seen_at: now, removed_at: null,
    })
    .execute();
  await addIgnoreRule(store, { advisory: GLIBC_ADVISORY, image: 'lab/app:*', reason: 'accepted risk' });
  writeRecords(osvDir, [zlibRecord(), glibcRecord(undefined, '2099-01-01T00:00:00Z')]);
  await importAdvisories(store, osvDir);

  const result = await rematchImages(store, { channels: ['hook'] });
  assert.equal(result.notices, 1);
  const created = await notices(store, 'vulnerability.new');
  assert.deepEqual(created.map((notice) => notice.advisory_id), [ZLIB_ADVISORY]);
  assert.equal((await deliveriesOf(store, 'hook')).length, 1);
  assert.ok((await store.db.selectFrom('findings').select('advisory_id').where('advisory_id', '=', GLIBC_ADVISORY).execute()).length > 0, 'ignored findings stay stored');
});

test('bosun where lists images and containers', { skip }, async (t) => {
  const lab = ensureLab();
  const { store, dataDir, imageId } = await matchedStore(t, lab);
  const container = runContainer(t, lab, 'where');
  const inventory = new Inventory({ store, endpoint: parseEndpoint(lab.dockerSock, { name: 'lab-docker', kind: 'docker' }) });
  t.after(() => inventory.stop());
  await inventory.resync();

  const binary = await runCli(['--data-dir', dataDir, 'where', 'zlib1g', '--format', 'json']);
  assert.equal(binary.code, 0, binary.stderr);
  const result = JSON.parse(binary.stdout) as { images: Array<{ configDigest: string; packages: Array<{ name: string; matchedBy: string }>; containers: Array<{ name: string }> }> };
  const image = result.images.find((entry) => entry.configDigest === imageId);
  assert.ok(image, 'the lab image contains zlib1g');
  assert.deepEqual(image.packages.map((pkg) => [pkg.name, pkg.matchedBy]), [['zlib1g', 'name']]);
  assert.ok(image.containers.some((entry) => entry.name === container));

  const source = await runCli(['--data-dir', dataDir, 'where', 'zlib', '--range', '<1:1.3']);
  assert.equal(source.code, 0, source.stderr);
  assert.match(source.stdout, /lab\/app:1/);
  assert.match(source.stdout, /zlib1g 1:1\.2\.13\.dfsg-1\+deb12u1 \(source zlib/);
  assert.match(source.stdout, new RegExp(`lab-docker/${container} \\(running\\)`));

  const above = await runCli(['--data-dir', dataDir, 'where', 'zlib', '--range', '>=1:1.3']);
  assert.equal(above.code, 0, above.stderr);
  assert.match(above.stdout, /No scanned image contains zlib in range >=1:1\.3/);

  const invalid = await runCli(['--data-dir', dataDir, 'where', 'zlib', '--range', '<']);
  assert.equal(invalid.code, 2);
  assert.match(invalid.stderr, /invalid version bound/);
});
