import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { createServer, type Server } from 'node:tls';
import { parseEndpoint, type EngineTls } from '../../src/engine/index.js';
import { enqueueScan, ScanQueue, type ScanFinished } from '../../src/monitor/index.js';
import { openStore, type Store } from '../../src/store/index.js';
import { docker, ensureLab, labSkipReason } from '../helpers/lab.js';

/*
 * Monitor scans of an image on a TLS engine: a proxy that requires a client certificate from the
 * test CA, like a daemon started with --tlsverify, forwards to the lab engine's unix socket.
 */

const skip = labSkipReason();

let dir: string;
let proxy: Server | undefined;
let port = 0;
/** Connections the proxy accepted with a verified client certificate. */
let forwarded = 0;

function openssl(args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

function issue(name: string, extensions: string): void {
  writeFileSync(path.join(dir, `${name}.ext`), `${extensions}\n`);
  openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${name}-key.pem`, '-out', `${name}.csr`, '-subj', `/CN=${name}`]);
  openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca-key.pem', '-CAcreateserial', '-days', '1', '-out', `${name}.pem`, '-extfile', `${name}.ext`]);
}

const clientTls = (): EngineTls => ({ ca: path.join(dir, 'ca.pem'), cert: path.join(dir, 'client.pem'), key: path.join(dir, 'client-key.pem') });

before(async () => {
  if (skip) return;
  const lab = ensureLab();
  dir = mkdtempSync(path.join(tmpdir(), 'bosun-export-tls-'));
  openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'ca-key.pem', '-out', 'ca.pem', '-days', '1', '-subj', '/CN=ca']);
  issue('server', 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth');
  issue('client', 'extendedKeyUsage=clientAuth');

  const server = createServer(
    { key: readFileSync(path.join(dir, 'server-key.pem')), cert: readFileSync(path.join(dir, 'server.pem')), ca: readFileSync(path.join(dir, 'ca.pem')), requestCert: true, rejectUnauthorized: true },
    (socket) => {
      forwarded++;
      const upstream = connect(lab.dockerSock);
      socket.pipe(upstream).pipe(socket);
      socket.on('error', () => upstream.destroy());
      upstream.on('error', () => socket.destroy());
    },
  );
  server.on('tlsClientError', () => {
    // A client without a certificate is rejected; the test without TLS expects that.
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy = server;
  port = (server.address() as AddressInfo).port;
});

after(async () => {
  if (proxy) await new Promise<void>((resolve) => proxy!.close(() => resolve()));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function tempStore(t: test.TestContext): Promise<Store> {
  const storeDir = mkdtempSync(path.join(tmpdir(), 'bosun-monitor-'));
  const store = await openStore({ dataDir: storeDir });
  t.after(async () => {
    await store.close();
    rmSync(storeDir, { recursive: true, force: true });
  });
  return store;
}

async function scanThroughProxy(t: test.TestContext, tls: EngineTls | undefined): Promise<{ store: Store; imageId: string; runs: number; finished: ScanFinished[] }> {
  const lab = ensureLab();
  const store = await tempStore(t);
  const endpoint = parseEndpoint(`tcp://127.0.0.1:${port}`, { name: 'tls-docker', kind: 'docker', ...(tls && { tls }) });
  const imageId = docker(lab, ['image', 'inspect', '--format', '{{.Id}}', 'lab/app:1']).trim();
  const finished: ScanFinished[] = [];
  const queue = new ScanQueue({ store, endpoints: [endpoint], onScanFinished: (scan) => finished.push(scan) });
  assert.equal(await enqueueScan(store, { endpoint: 'tls-docker', kind: 'docker', imageId, reference: 'lab/app:1' }), true);
  const runs = await queue.drain();
  return { store, imageId, runs, finished };
}

test('scan over tls engine endpoint', { skip }, async (t) => {
  const before = forwarded;
  const { store, imageId, runs, finished } = await scanThroughProxy(t, clientTls());
  assert.equal(runs, 1);
  const job = await store.db.selectFrom('jobs').selectAll().where('key', '=', imageId).executeTakeFirstOrThrow();
  assert.equal(job.state, 'done', job.last_error ?? '');
  assert.deepEqual(finished.map((scan) => scan.ok), [true]);
  const image = await store.db.selectFrom('images').selectAll().where('config_digest', '=', imageId).executeTakeFirstOrThrow();
  assert.ok((JSON.parse(image.packages) as unknown[]).length > 50);
  assert.ok(forwarded > before, 'no connection went through the proxy');
});

test('scan without tls settings fails', { skip }, async (t) => {
  const before = forwarded;
  const { store, imageId, runs, finished } = await scanThroughProxy(t, undefined);
  assert.equal(runs, 3, 'a failed job is retried until its third run');
  const job = await store.db.selectFrom('jobs').selectAll().where('key', '=', imageId).executeTakeFirstOrThrow();
  assert.equal(job.state, 'failed');
  assert.match(job.last_error ?? '', /tcp:\/\/127\.0\.0\.1/);
  assert.deepEqual(finished.map((scan) => scan.ok), [false, false, false]);
  assert.equal(forwarded, before);
});
