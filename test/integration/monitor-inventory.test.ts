import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import test from 'node:test';
import { parseEndpoint } from '../../src/engine/index.js';
import { Inventory, type InventoryChange } from '../../src/monitor/index.js';
import { openStore, type Store } from '../../src/store/index.js';
import { docker, ensureLab, labSkipReason, type Lab } from '../helpers/lab.js';

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

/** Polls `read` until `accept` holds, failing after `timeoutMs` with the last value. */
async function waitFor<T>(what: string, read: () => Promise<T>, accept: (value: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!accept(value)) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}; last value: ${JSON.stringify(value)}`);
    await sleep(100);
    value = await read();
  }
  return value;
}

function containerRow(store: Store, endpoint: string, name: string) {
  return store.db.selectFrom('containers').selectAll().where('endpoint', '=', endpoint).where('name', '=', name).executeTakeFirst();
}

function endpointRow(store: Store, name: string) {
  return store.db.selectFrom('endpoints').selectAll().where('name', '=', name).executeTakeFirst();
}

function podman(lab: Lab, args: string[]): string {
  return execFileSync('podman', ['--url', `unix://${lab.podmanSock}`, ...args], { encoding: 'utf8', timeout: 120_000 });
}

test('inventory follows docker events', { skip }, async (t) => {
  const lab = ensureLab();
  const store = await tempStore(t);
  const name = `bosun-test-monitor-${process.pid}`;
  const changes: InventoryChange[] = [];
  // A resync interval of an hour: anything seen after the first resync came from events.
  const inventory = new Inventory({
    store,
    endpoint: parseEndpoint(lab.dockerSock, { name: 'lab-docker', kind: 'docker' }),
    resyncIntervalMs: 3_600_000,
    onChange: async (change) => {
      changes.push(change);
    },
  });
  t.after(async () => {
    await inventory.stop();
    docker(lab, ['rm', '-f', name]);
  });

  await inventory.start();
  await waitFor('the endpoint to connect', () => endpointRow(store, 'lab-docker'), (row) => row?.state === 'connected');

  docker(lab, ['run', '-d', '--network', 'none', '--label', 'com.docker.compose.project=shop', '--label', 'com.docker.compose.service=web', '--name', name, 'lab/app:1', 'sleep', '300']);
  const imageId = docker(lab, ['image', 'inspect', '--format', '{{.Id}}', 'lab/app:1']).trim();
  const row = await waitFor('the container row', () => containerRow(store, 'lab-docker', name), (value) => value?.state === 'running');
  assert.equal(row!.image_config_digest, imageId);
  assert.equal(row!.image_reference, 'lab/app:1');
  assert.equal(row!.compose_project, 'shop');
  assert.equal(row!.compose_service, 'web');
  assert.equal(row!.removed_at, null);
  assert.ok(
    changes.some((change) => change.kind === 'images.used' && change.images.some((image) => image.imageId === imageId)),
    'the inventory reports the image in use',
  );

  docker(lab, ['rm', '-f', name]);
  const removed = await waitFor('the removal', () => containerRow(store, 'lab-docker', name), (value) => value?.removed_at !== null);
  assert.equal(removed!.state, 'removed');
  assert.ok(changes.some((change) => change.kind === 'containers.removed' && change.digests.includes(imageId)));
});

test('inventory resync marks vanished containers', { skip }, async (t) => {
  const lab = ensureLab();
  const store = await tempStore(t);
  const name = `bosun-test-monitor-resync-${process.pid}`;
  const endpoint = parseEndpoint(lab.dockerSock, { name: 'lab-docker', kind: 'docker' });
  t.after(() => {
    docker(lab, ['rm', '-f', name]);
  });

  docker(lab, ['run', '-d', '--network', 'none', '--name', name, 'lab/app:1', 'sleep', '300']);
  const inventory = new Inventory({ store, endpoint });
  t.after(() => inventory.stop());
  await inventory.resync();
  assert.equal((await containerRow(store, 'lab-docker', name))?.state, 'running');

  docker(lab, ['rm', '-f', name]);
  await inventory.resync();
  assert.notEqual((await containerRow(store, 'lab-docker', name))?.removed_at, null);
});

test('inventory lists podman containers', { skip }, async (t) => {
  const lab = ensureLab();
  if (lab.podmanSock === undefined) return t.skip('the lab has no podman socket');
  const store = await tempStore(t);
  const name = `bosun-test-monitor-podman-${process.pid}`;
  t.after(() => {
    podman(lab, ['rm', '-f', name]);
  });
  podman(lab, ['run', '-d', '--network', 'none', '--name', name, `${lab.registry}/lab/app:1`, 'sleep', '300']);

  const inventory = new Inventory({ store, endpoint: parseEndpoint(lab.podmanSock, { name: 'lab-podman', kind: 'podman' }) });
  t.after(() => inventory.stop());
  await inventory.resync();

  const row = await containerRow(store, 'lab-podman', name);
  assert.ok(row, 'the podman container is listed under the podman endpoint');
  assert.equal(row.state, 'running');
  assert.match(row.image_config_digest ?? '', /^sha256:[a-f0-9]{64}$/);
  assert.equal(await containerRow(store, 'lab-docker', name), undefined);
});

/** A unix socket that forwards every connection to `target`, and can be stopped and restarted. */
class SocketProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();

  constructor(
    readonly path: string,
    private readonly target: string,
  ) {}

  async start(): Promise<void> {
    rmSync(this.path, { force: true });
    const server = createServer((client) => {
      const upstream = createConnection(this.target);
      this.sockets.add(client).add(upstream);
      client.pipe(upstream).pipe(client);
      const drop = () => {
        client.destroy();
        upstream.destroy();
        this.sockets.delete(client);
        this.sockets.delete(upstream);
      };
      client.on('error', drop).on('close', drop);
      upstream.on('error', drop).on('close', drop);
    });
    await new Promise<void>((resolve) => server.listen(this.path, resolve));
    this.server = server;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(this.path, { force: true });
  }
}

test('endpoint reconnects after socket loss', { skip }, async (t) => {
  const lab = ensureLab();
  const store = await tempStore(t);
  const dir = mkdtempSync(path.join(tmpdir(), 'bosun-proxy-'));
  const proxy = new SocketProxy(path.join(dir, 'docker.sock'), lab.dockerSock);
  await proxy.start();
  const inventory = new Inventory({
    store,
    endpoint: parseEndpoint(proxy.path, { name: 'proxied', kind: 'docker' }),
    initialBackoffMs: 50,
    maxBackoffMs: 200,
  });
  t.after(async () => {
    await inventory.stop();
    await proxy.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  await inventory.start();
  await waitFor('the endpoint to connect', () => endpointRow(store, 'proxied'), (row) => row?.state === 'connected');

  await proxy.stop();
  const lost = await waitFor('the endpoint to reconnect', () => endpointRow(store, 'proxied'), (row) => row?.state === 'reconnecting');
  assert.notEqual(lost!.last_error, null);

  await proxy.start();
  const back = await waitFor('the endpoint to come back', () => endpointRow(store, 'proxied'), (row) => row?.state === 'connected');
  assert.equal(back!.last_error, null);
});
