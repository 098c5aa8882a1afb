import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Hono } from 'hono';
import { logger } from '../../../src/common/log.js';
import { createApp, Metrics, noVerdicts, storeToken, type ServerContext, type VerdictSource } from '../../../src/server/index.js';
import { openStore, type Store } from '../../../src/store/index.js';

export const API_TOKEN = 'bosun_test-api-token-000000000000000000000000';
export const FEED_TOKEN = 'bosun_test-feed-token-00000000000000000000000';
export const ENDPOINT_FEED_TOKEN = 'bosun_test-feed-local-0000000000000000000000';
export const METRICS_TOKEN = 'bosun_test-metrics-token-000000000000000000000';

export const IMAGE_A = `sha256:${'a'.repeat(64)}`;
export const IMAGE_B = `sha256:${'b'.repeat(64)}`;
const LAYER = `sha256:${'c'.repeat(64)}`;
const NOW = '2026-06-01T12:00:00.000Z';

/** A store with two endpoints, three containers, two images, advisories, findings, notices and deliveries. */
export interface Fixture {
  store: Store;
  app: Hono;
  server: ServerContext;
  close(): Promise<void>;
}

/** Opens a seeded store in a temporary folder and builds the app over it. */
export async function openFixture(verdicts: VerdictSource = noVerdicts): Promise<Fixture> {
  const dir = mkdtempSync(path.join(tmpdir(), 'bosun-server-'));
  const store = await openStore({ dataDir: dir });
  await seed(store);
  const server: ServerContext = {
    store,
    monitor: undefined,
    verdicts,
    metrics: new Metrics(),
    publicUrl: 'http://127.0.0.1:8780',
    startedAt: new Date(NOW),
    log: logger('test.server'),
  };
  return {
    store,
    app: createApp(server),
    server,
    close: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Sends a request with the API token unless `token` is given (null sends none). */
export function call(app: Hono, target: string, init: RequestInit & { token?: string | null } = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  const token = init.token === undefined ? API_TOKEN : init.token;
  if (token !== null) headers.set('authorization', `Bearer ${token}`);
  return Promise.resolve(app.request(target, { ...init, headers }));
}

async function seed(store: Store): Promise<void> {
  await storeToken(store, API_TOKEN, 'test', 'api');
  await storeToken(store, FEED_TOKEN, 'feed', 'feed:all');
  await storeToken(store, ENDPOINT_FEED_TOKEN, 'feed-local', 'feed:endpoint:local');
  await storeToken(store, METRICS_TOKEN, 'prometheus', 'metrics');

  const db = store.db;
  await db.insertInto('endpoints').values([
    { name: 'local', url: 'unix:///run/docker.sock', kind: 'docker', state: 'connected', last_error: null, last_seen_at: NOW, updated_at: NOW },
    { name: 'edge', url: 'tcp://127.0.0.1:2375', kind: 'podman', state: 'error', last_error: 'connect ECONNREFUSED', last_seen_at: null, updated_at: NOW },
  ]).execute();

  const container = (endpoint: string, id: string, name: string, image: string | null, removed: string | null = null) => ({
    endpoint, id, name, image_reference: image === IMAGE_A ? 'lab/app:1' : 'lab/debian:bookworm', image_config_digest: image,
    image_manifest_digest: null, compose_project: name === 'web' ? 'shop' : null, compose_service: name === 'web' ? 'web' : null,
    swarm_service: null, state: removed ? 'exited' : 'running', labels: JSON.stringify({ team: 'ops' }), first_seen_at: NOW, last_seen_at: NOW, removed_at: removed,
  });
  await db.insertInto('containers').values([
    container('local', '1'.repeat(64), 'web', IMAGE_A),
    container('local', '2'.repeat(64), 'db', IMAGE_B),
    container('edge', '3'.repeat(64), 'cache', IMAGE_A),
    container('local', '4'.repeat(64), 'old', IMAGE_B, NOW),
  ]).execute();

  const packages = (names: string[]) =>
    JSON.stringify(names.map((name) => ({ name, version: '1.0-1', type: 'deb', purl: `pkg:deb/debian/${name}@1.0-1`, layer: LAYER, foundIn: 'var/lib/dpkg/status', sourceName: name })));
  const image = (digest: string, reference: string, names: string[]) => ({
    config_digest: digest, manifest_digest: null, references: JSON.stringify([reference]), diff_ids: JSON.stringify([LAYER]),
    os: JSON.stringify({ id: 'debian', version: '12' }), packages: packages(names), annotations: '{}', cataloguer_key: 'test', first_seen_at: NOW, scanned_at: NOW,
  });
  await db.insertInto('images').values([image(IMAGE_A, 'lab/app:1', ['zlib1g', 'openssl', 'bash']), image(IMAGE_B, 'lab/debian:bookworm', ['zlib1g'])]).execute();

  const advisory = (id: string, severity: string, alias: string) => ({
    id, modified: NOW, published: NOW, withdrawn: null, summary: `${id} summary`, aliases: JSON.stringify([alias]), severity, score: null,
    record: JSON.stringify({ id, modified: NOW, aliases: [alias] }), source: 'test', imported_at: NOW,
  });
  await db.insertInto('advisories').values([advisory('DSA-1-1', 'critical', 'CVE-2026-0001'), advisory('DSA-2-1', 'low', 'CVE-2026-0002')]).execute();
  await db.insertInto('advisory_affected').values([
    { advisory_id: 'DSA-1-1', ecosystem: 'Debian:12', ecosystem_base: 'Debian', package: 'zlib', ranges: '[]', versions: '[]', specific: '{}' },
    { advisory_id: 'DSA-2-1', ecosystem: 'Debian:12', ecosystem_base: 'Debian', package: 'openssl', ranges: '[]', versions: '[]', specific: '{}' },
  ]).execute();

  const finding = (digest: string, advisoryId: string, pkg: string, severity: string) => ({
    image_config_digest: digest, advisory_id: advisoryId, package_purl: `pkg:deb/debian/${pkg}@1.0-1`, package_name: pkg, package_version: '1.0-1',
    ecosystem: 'Debian:12', severity, score: null, fixed_version: '1.0-2', state: 'fixed-available', reason: 'test', first_seen_at: NOW, last_seen_at: NOW, resolved_at: null,
  });
  await db.insertInto('findings').values([
    finding(IMAGE_A, 'DSA-1-1', 'zlib1g', 'critical'),
    finding(IMAGE_A, 'DSA-2-1', 'openssl', 'low'),
    finding(IMAGE_B, 'DSA-1-1', 'zlib1g', 'critical'),
  ]).execute();

  const notice = (id: string, endpoint: string, minute: number) => {
    const createdAt = `2026-06-01T12:${String(minute).padStart(2, '0')}:00.000Z`;
    const payload = { id, kind: 'vulnerability.new', title: `Notice ${id} <b>`, body: 'zlib1g is affected', severity: 'critical', host: endpoint, createdAt };
    return { id, kind: 'vulnerability.new', title: payload.title, body: payload.body, severity: 'critical', endpoint, container: 'web', image_reference: 'lab/app:1', image_config_digest: IMAGE_A, advisory_id: 'DSA-1-1', payload: JSON.stringify(payload), created_at: createdAt };
  };
  await db.insertInto('notices').values([notice('n1', 'local', 1), notice('n2', 'local', 2), notice('n3', 'edge', 3)]).execute();
  await db.insertInto('deliveries').values([
    { notice_id: 'n1', channel: 'hook', status: 'sent', attempts: 2, last_error: null, next_attempt_at: null, updated_at: NOW },
    { notice_id: 'n2', channel: 'hook', status: 'dead', attempts: 5, last_error: 'HTTP 500', next_attempt_at: null, updated_at: NOW },
  ]).execute();
}
