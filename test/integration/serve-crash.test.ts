import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { docker, ensureLab, labSkipReason, type Lab } from '../helpers/lab.js';
import { readStore, startServe, waitFor, type ServeProcess } from '../helpers/serve.js';
import { writeZip } from '../unit/advisory/zip-writer.js';

/*
 * Kills `bosun serve` with SIGKILL inside three windows (a scan, an advisory sync, a webhook
 * send), restarts it, and checks that committed rows survive, that the restart finishes the
 * interrupted work, and that no notice is stored twice. The windows are made observable: the
 * scanned image carries a 300 MB layer, and the local receiver keeps the OSV download and the
 * webhook request open until the test kills the process.
 */

const skip = labSkipReason();
const TOKEN = 'bosun_crash-test-token-0123456789abcdef012345';
const SECRET = 'crash-test-webhook-secret-0123456789';
const TAG = `bosun-test/crash-scan:${process.pid}`;
const CONTAINER = `bosun-test-crash-${process.pid}`;
/** Source packages of the lab's Debian minbase image that the generated advisories name. */
const AFFECTED = ['bash', 'coreutils', 'dpkg', 'tar', 'gzip', 'sed', 'grep', 'zlib', 'glibc'];
/** Advisories about packages no image has, so the import takes long enough to be killed in. */
const FILLER = 4000;
const RECORDS = AFFECTED.length + FILLER;

/** A local receiver for the OSV export and the webhook that can hold responses open. */
class Receiver {
  url = '';
  holdZip = false;
  holdHook = false;
  zipRequests = 0;
  zipSent = 0;
  hookRequests = 0;
  readonly hookNotices: string[] = [];
  private readonly held: ServerResponse[] = [];
  private readonly server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => this.handle(request.url ?? '', Buffer.concat(chunks).toString('utf8'), response));
  });

  constructor(private readonly zip: Buffer) {}

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Drops responses held for a killed process. */
  release(): void {
    for (const response of this.held.splice(0)) response.destroy();
  }

  async close(): Promise<void> {
    this.release();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(url: string, body: string, response: ServerResponse): void {
    if (url === '/osv/Debian/all.zip') {
      this.zipRequests += 1;
      if (this.holdZip) {
        this.held.push(response);
        return;
      }
      response.on('finish', () => (this.zipSent += 1));
      response.writeHead(200, { 'content-type': 'application/zip', 'content-length': String(this.zip.length) }).end(this.zip);
      return;
    }
    if (url === '/hook') {
      const notice = (JSON.parse(body) as { notice?: { id: string } }).notice;
      this.hookRequests += 1;
      if (this.holdHook) {
        this.held.push(response);
        return;
      }
      if (notice !== undefined) this.hookNotices.push(notice.id);
      response.writeHead(200).end('ok');
      return;
    }
    response.writeHead(404).end();
  }
}

function osvExport(): Buffer {
  const record = (id: string, name: string) =>
    JSON.stringify({
      schema_version: '1.6.0',
      id,
      summary: `${name} - test advisory`,
      modified: '2026-01-01T00:00:00Z',
      published: '2026-01-01T00:00:00Z',
      affected: [{ package: { ecosystem: 'Debian:12', name }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '99:1.0-1' }] }] }],
    });
  const entries = AFFECTED.map((name, index) => ({ name: `DSA-99${String(index).padStart(2, '0')}-1.json`, data: record(`DSA-99${String(index).padStart(2, '0')}-1`, name), deflate: true }));
  for (let index = 0; index < FILLER; index++) entries.push({ name: `DLA-${index}-1.json`, data: record(`DLA-${index}-1`, `filler-${index}`), deflate: true });
  return writeZip(entries);
}

let lab: Lab;
let dir: string;
let receiver: Receiver;
let serve: ServeProcess | undefined;

before(async () => {
  if (skip) return;
  lab = ensureLab();
  dir = mkdtempSync(path.join(tmpdir(), 'bosun-crash-'));
  receiver = new Receiver(osvExport());
  await receiver.start();
});

after(async () => {
  if (skip) return;
  serve?.child.kill('SIGKILL');
  await receiver.close();
  for (const args of [['rm', '-f', CONTAINER], ['rmi', '-f', TAG]]) {
    try {
      docker(lab, args);
    } catch {
      // Already gone.
    }
  }
  rmSync(dir, { recursive: true, force: true });
});

function writeConfig(): string {
  const file = path.join(dir, 'config.yaml');
  writeFileSync(
    file,
    [
      'listen: 127.0.0.1:0',
      `dataDir: ${path.join(dir, 'data')}`,
      'engines:',
      '  - name: lab',
      `    url: unix://${lab.dockerSock}`,
      'concurrency: 1',
      'sync:',
      '  schedule: "0 0 1 1 *"',
      `  source: ${receiver.url}/osv`,
      'channels:',
      '  - name: hook',
      '    type: webhook',
      `    url: ${receiver.url}/hook`,
      `    secret: ${SECRET}`,
      '    timeoutMs: 120000',
      '',
    ].join('\n'),
  );
  return file;
}

async function start(config: string): Promise<string> {
  serve = await startServe(['serve', '--config', config], { BOSUN_TOKEN: TOKEN });
  return /"url":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(serve.stderr())![1]!;
}

async function kill(): Promise<void> {
  serve!.child.kill('SIGKILL');
  assert.equal((await serve!.exited).signal, 'SIGKILL');
  serve = undefined;
  receiver.release();
}

const dataDir = () => path.join(dir, 'data');

function integrity(): string {
  return readStore(dataDir(), (db) => (db.pragma('integrity_check') as Array<{ integrity_check: string }>)[0]!.integrity_check);
}

function count(sql: string, ...params: unknown[]): number {
  return readStore(dataDir(), (db) => (db.prepare(sql).get(...params) as { n: number }).n);
}

function jobState(digest: string): string | undefined {
  return readStore(dataDir(), (db) => (db.prepare("select state from jobs where kind = 'scan' and key = ?").get(digest) as { state: string } | undefined)?.state);
}

async function postSync(url: string): Promise<void> {
  const response = await fetch(`${url}/api/v1/sync`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } });
  assert.equal(response.status, 202, await response.text());
}

test('serve survives SIGKILL during scan, sync and delivery', { skip, timeout: 15 * 60_000 }, async () => {
  const config = writeConfig();

  // A scan of a new image: killed while its job is running.
  docker(lab, ['build', '--network', 'none', '-t', TAG, '-'], 'FROM lab/debian:bookworm\nRUN head -c 300000000 /dev/urandom > /blob\n');
  const imageId = docker(lab, ['image', 'inspect', '--format', '{{.Id}}', TAG]).trim();
  let url = await start(config);
  docker(lab, ['run', '-d', '--network', 'none', '--name', CONTAINER, TAG, 'sleep', '3600']);
  await waitFor('the scan job to run', () => (jobState(imageId) === 'running' ? true : undefined));
  await kill();
  assert.equal(integrity(), 'ok');
  assert.equal(jobState(imageId), 'running', 'the killed scan is still marked running');

  receiver.holdZip = true;
  url = await start(config);
  await waitFor('the resumed scan to finish', () => (jobState(imageId) === 'done' ? true : undefined), 600_000);
  assert.equal(count('select count(*) as n from images where config_digest = ?', imageId), 1);

  // An advisory sync killed while it downloads, then while it imports.
  await postSync(url);
  await waitFor('the OSV download to start', () => (receiver.zipRequests > 0 ? true : undefined));
  await kill();
  assert.equal(integrity(), 'ok');
  assert.equal(count('select count(*) as n from advisories'), 0);

  receiver.holdZip = false;
  url = await start(config);
  const sent = receiver.zipSent;
  await postSync(url);
  await waitFor('the OSV export to be sent', () => (receiver.zipSent > sent ? true : undefined));
  await kill();
  assert.equal(integrity(), 'ok');
  const imported = count('select count(*) as n from advisories');
  assert.ok(imported === 0 || imported === RECORDS, `a killed import left ${imported} of ${RECORDS} advisories`);

  // A notice delivery killed while the webhook receiver keeps the request open.
  receiver.holdHook = true;
  url = await start(config);
  await postSync(url);
  await waitFor('the advisories', () => (count('select count(*) as n from advisories') === RECORDS ? true : undefined));
  await waitFor('findings of the scanned image', () => (count('select count(*) as n from findings where image_config_digest = ?', imageId) >= AFFECTED.length - 1 ? true : undefined));
  await waitFor('a webhook request', () => (receiver.hookRequests > 0 ? true : undefined));
  await kill();
  assert.equal(integrity(), 'ok');
  const notices = readStore(dataDir(), (db) => (db.prepare('select id from notices order by id').all() as Array<{ id: string }>).map((row) => row.id));
  assert.ok(notices.length > 0);
  assert.ok(count("select count(*) as n from deliveries where status <> 'sent'") > 0, 'the held delivery is not marked sent');

  receiver.holdHook = false;
  await start(config);
  await waitFor('every delivery sent', () => (count("select count(*) as n from deliveries where status <> 'sent'") === 0 ? true : undefined), 300_000);
  const after = readStore(dataDir(), (db) => (db.prepare('select id from notices order by id').all() as Array<{ id: string }>).map((row) => row.id));
  assert.deepEqual(after, notices, 'the restart neither lost nor duplicated notices');
  assert.equal(count("select count(*) as n from deliveries where channel = 'hook'"), notices.length);
  for (const id of notices) assert.ok(receiver.hookNotices.includes(id), `notice ${id} never reached the webhook`);
  assert.equal(integrity(), 'ok');

  serve!.child.kill('SIGTERM');
  assert.equal((await serve!.exited).code, 0);
  serve = undefined;
});
