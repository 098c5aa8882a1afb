import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { after, before, beforeEach, test } from 'node:test';
import { Agent } from 'undici';
import { BosunError, ImageFormatError, RegistryError } from '../../../src/common/errors.js';
import { MEDIA_TYPE_OCI_INDEX, MEDIA_TYPE_OCI_MANIFEST } from '../../../src/image/manifest.js';
import { headDigest, openRegistryImage, RegistryClient, resolveManifest, TokenCache, type RegistryOptions } from '../../../src/image/registry/index.js';
import { addImage, basic, FakeRegistry, FakeStorage, sha256 } from './registry-fake.js';

let registry: FakeRegistry;
let storage: FakeStorage;
let sleeps: number[];
let emptyDockerConfig: string;

before(async () => {
  registry = await new FakeRegistry().start();
  storage = await new FakeStorage(registry.blobs).start();
  const dir = mkdtempSync(path.join(tmpdir(), 'bosun-registry-test-'));
  emptyDockerConfig = path.join(dir, 'config.json');
  writeFileSync(emptyDockerConfig, '{}');
});

after(async () => {
  await registry.stop();
  await storage.stop();
});

beforeEach(() => {
  registry.requests.length = 0;
  storage.requests.length = 0;
  registry.manifests.clear();
  registry.blobs.clear();
  registry.auth = { kind: 'none' };
  registry.interceptor = undefined;
  registry.blobRedirect = undefined;
  registry.tokensIssued = 0;
  sleeps = [];
});

/** Options that isolate a test: its own token cache, no real credentials, recorded retry delays. */
function options(extra: RegistryOptions = {}): RegistryOptions {
  return {
    tokenCache: new TokenCache(),
    dockerConfigPath: emptyDockerConfig,
    env: {},
    retry: {
      baseDelayMs: 10,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
    },
    ...extra,
  };
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function rejectsWithCode(promise: Promise<unknown>, code: string): Promise<BosunError> {
  let caught: unknown;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof BosunError, `expected a BosunError with code ${code}, got ${String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  return caught;
}

test('open image without auth', async () => {
  const image = addImage(registry, 'lab/app', { tag: '1' });
  const opened = await openRegistryImage(`${registry.host}/lab/app:1`, options());
  try {
    assert.equal(opened.manifestDigest, image.digest);
    assert.equal(opened.configDigest, image.configDigest);
    assert.equal(opened.reference, `${registry.host}/lab/app:1`);
    assert.deepEqual(opened.repoDigests, [`${registry.host}/lab/app@${image.digest}`]);
    assert.deepEqual(opened.annotations, { 'org.opencontainers.image.base.name': 'test-base' });
    assert.deepEqual(opened.config.rootfs.diff_ids, image.diffIds);
    assert.deepEqual(opened.layers.map((l) => l.diffId), image.diffIds);
    assert.deepEqual(opened.layers.map((l) => l.digest), image.layers.map((l) => l.digest));
    assert.equal(opened.layers[0]!.size, image.layers[0]!.size);
    assert.equal((await readAll(await opened.layers[1]!.open())).toString(), 'layer two');
    assert.deepEqual(opened.warnings, []);
  } finally {
    await opened.close();
  }
});

test('manifest requests accept four types', async () => {
  addImage(registry, 'lab/app', { tag: '1' });
  const client = new RegistryClient(registry.host, options());
  try {
    await client.getManifest('lab/app', '1');
    await client.headManifest('lab/app', '1');
  } finally {
    await client.close();
  }
  const manifestRequests = registry.requestsTo('/v2/lab/app/manifests/');
  assert.deepEqual(manifestRequests.map((r) => r.method), ['GET', 'HEAD']);
  for (const request of manifestRequests) {
    const accept = String(request.headers.accept).split(',').map((s) => s.trim());
    assert.deepEqual(accept.sort(), [
      'application/vnd.docker.distribution.manifest.list.v2+json',
      'application/vnd.docker.distribution.manifest.v2+json',
      'application/vnd.oci.image.index.v1+json',
      'application/vnd.oci.image.manifest.v1+json',
    ]);
  }
});

test('bearer flow with credentials', async () => {
  registry.auth = { kind: 'bearer', username: 'alice', password: 's3cret' };
  const image = addImage(registry, 'team/app', { tag: 'v2' });
  const client = new RegistryClient(registry.host, options({ username: 'alice', password: 's3cret' }));
  try {
    const first = await client.getManifest('team/app', 'v2');
    assert.equal(first.digest, image.digest);
    await client.getManifest('team/app', 'v2');
  } finally {
    await client.close();
  }

  const tokenRequests = registry.requestsTo('/token');
  assert.equal(tokenRequests.length, 1, 'the second request reuses the cached token');
  const tokenUrl = new URL(tokenRequests[0]!.url, 'http://x');
  assert.equal(tokenUrl.searchParams.get('service'), 'fake-registry');
  assert.equal(tokenUrl.searchParams.get('scope'), 'repository:team/app:pull');
  assert.equal(tokenRequests[0]!.headers.authorization, basic('alice', 's3cret'));

  const pings = registry.requestsTo('/v2/').filter((r) => r.url === '/v2/');
  assert.equal(pings.length, 1);
  assert.equal(pings[0]!.headers.authorization, undefined);
  for (const request of registry.requestsTo('/v2/team/app/manifests/')) assert.equal(request.headers.authorization, 'Bearer tok-1');
});

test('bearer flow anonymous with access_token', async () => {
  registry.auth = { kind: 'bearer', tokenField: 'access_token' };
  const image = addImage(registry, 'lab/app', { tag: '1' });
  const client = new RegistryClient(registry.host, options());
  try {
    assert.equal((await client.getManifest('lab/app', '1')).digest, image.digest);
  } finally {
    await client.close();
  }
  const tokenRequests = registry.requestsTo('/token');
  assert.equal(tokenRequests.length, 1);
  assert.equal(tokenRequests[0]!.headers.authorization, undefined, 'anonymous token requests carry no credentials');
});

test('bearer token expires from cache', async () => {
  registry.auth = { kind: 'bearer', expiresIn: 60 };
  addImage(registry, 'lab/app', { tag: '1' });
  let now = 1_000_000;
  const tokenCache = new TokenCache(() => now);
  const client = new RegistryClient(registry.host, options({ tokenCache }));
  try {
    await client.getManifest('lab/app', '1');
    now += 30_000;
    await client.getManifest('lab/app', '1');
    assert.equal(registry.tokensIssued, 1, 'token still valid after 30 s');
    now += 60_000;
    await client.getManifest('lab/app', '1');
    assert.equal(registry.tokensIssued, 2, 'token renewed after expires_in');
  } finally {
    await client.close();
  }
});

test('bearer wrong password is unauthorized', async () => {
  registry.auth = { kind: 'bearer', username: 'alice', password: 's3cret' };
  addImage(registry, 'lab/app', { tag: '1' });
  const error = await rejectsWithCode(openRegistryImage(`${registry.host}/lab/app:1`, options({ username: 'alice', password: 'wrong' })), 'registry.unauthorized');
  assert.match(error.hint ?? '', /username and password/);
  assert.doesNotMatch(error.message, /wrong/, 'the password is not in the message');
});

test('bearer retries once on 401', async () => {
  // The registry revokes the first token: the client takes a fresh one and succeeds.
  registry.auth = { kind: 'bearer' };
  const image = addImage(registry, 'lab/app', { tag: '1' });
  let rejected = false;
  registry.interceptor = (request, response) => {
    if (!rejected && request.url?.startsWith('/v2/lab/app/manifests/') && request.headers.authorization === 'Bearer tok-1') {
      rejected = true;
      response.writeHead(401, { 'www-authenticate': `Bearer realm="http://${registry.host}/token",service="fake-registry"` });
      response.end();
      return true;
    }
    return false;
  };
  const client = new RegistryClient(registry.host, options());
  try {
    assert.equal((await client.getManifest('lab/app', '1')).digest, image.digest);
  } finally {
    await client.close();
  }
  assert.equal(registry.tokensIssued, 2);
});

test('basic auth with and without credentials', async () => {
  registry.auth = { kind: 'basic', username: 'lab', password: 'labpass' };
  const image = addImage(registry, 'lab/app', { tag: '1' });

  const opened = await openRegistryImage(`${registry.host}/lab/app:1`, options({ username: 'lab', password: 'labpass' }));
  await opened.close();
  assert.equal(opened.manifestDigest, image.digest);
  assert.ok(registry.requestsTo('/v2/lab/').every((r) => r.headers.authorization === basic('lab', 'labpass')));

  const error = await rejectsWithCode(openRegistryImage(`${registry.host}/lab/app:1`, options()), 'registry.unauthorized');
  assert.ok(error instanceof RegistryError);
  assert.equal(error.status, 401);
  assert.equal(error.registry, registry.host);
  assert.match(error.hint ?? '', /needs credentials/);
});

test('429 honours Retry-After', async () => {
  const image = addImage(registry, 'lab/app', { tag: '1' });
  let limited = 0;
  registry.interceptor = (request, response) => {
    if (request.url?.includes('/manifests/') && limited < 1) {
      limited++;
      response.writeHead(429, { 'retry-after': '2' });
      response.end();
      return true;
    }
    return false;
  };
  const client = new RegistryClient(registry.host, options());
  try {
    assert.equal((await client.getManifest('lab/app', '1')).digest, image.digest);
  } finally {
    await client.close();
  }
  assert.deepEqual(sleeps, [2000]);
});

test('Retry-After is capped', async () => {
  addImage(registry, 'lab/app', { tag: '1' });
  let limited = 0;
  registry.interceptor = (request, response) => {
    if (request.url?.includes('/manifests/') && limited++ < 1) {
      response.writeHead(429, { 'retry-after': '86400' });
      response.end();
      return true;
    }
    return false;
  };
  const client = new RegistryClient(registry.host, options({ retry: { maxRetryAfterMs: 5000, sleep: async (ms) => void sleeps.push(ms) } }));
  try {
    await client.getManifest('lab/app', '1');
  } finally {
    await client.close();
  }
  assert.deepEqual(sleeps, [5000]);
});

test('503 then success', async () => {
  const image = addImage(registry, 'lab/app', { tag: '1' });
  let failures = 0;
  registry.interceptor = (request, response) => {
    if (request.url?.includes('/manifests/') && failures++ < 1) {
      response.writeHead(503);
      response.end('busy');
      return true;
    }
    return false;
  };
  const client = new RegistryClient(registry.host, options());
  try {
    assert.equal((await client.getManifest('lab/app', '1')).digest, image.digest);
  } finally {
    await client.close();
  }
  assert.equal(sleeps.length, 1);
  assert.ok(sleeps[0]! >= 5, `backoff ${sleeps[0]} is at least half the base delay`);
  assert.ok(sleeps[0]! <= 10, `backoff ${sleeps[0]} is at most the base delay`);
});

test('500 forever fails after retries', async () => {
  addImage(registry, 'lab/app', { tag: '1' });
  registry.interceptor = (request, response) => {
    if (!request.url?.includes('/manifests/')) return false;
    response.writeHead(500, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ errors: [{ code: 'UNKNOWN', message: 'disk on fire' }] }));
    return true;
  };
  const client = new RegistryClient(registry.host, options());
  try {
    const error = await rejectsWithCode(client.getManifest('lab/app', '1'), 'registry.unavailable');
    assert.ok(error instanceof RegistryError);
    assert.equal(error.status, 500);
    assert.equal(error.repository, 'lab/app');
    assert.match(error.message, new RegExp(`registry ${registry.host}`));
    assert.match(error.message, /lab\/app:1/);
    assert.match(error.message, /HTTP 500/);
    assert.match(error.message, /disk on fire/);
  } finally {
    await client.close();
  }
  assert.equal(registry.requestsTo('/v2/lab/app/manifests/').length, 4);
  assert.equal(sleeps.length, 3);
  assert.ok(sleeps[0]! < sleeps[2]!, `backoff grows: ${sleeps.join(', ')}`);
});

test('connection reset then success', async () => {
  const image = addImage(registry, 'lab/app', { tag: '1' });
  let resets = 0;
  registry.interceptor = (request) => {
    if (request.url?.includes('/manifests/') && resets++ < 1) {
      request.socket.destroy();
      return true;
    }
    return false;
  };
  const client = new RegistryClient(registry.host, options());
  try {
    assert.equal((await client.getManifest('lab/app', '1')).digest, image.digest);
  } finally {
    await client.close();
  }
  assert.equal(sleeps.length, 1);
});

test('unreachable registry', async () => {
  // Port 9 on loopback: nothing listens there in the test environment.
  const client = new RegistryClient('127.0.0.1:9', options());
  try {
    const error = await rejectsWithCode(client.getManifest('lab/app', '1'), 'registry.unreachable');
    assert.match(error.message, /127\.0\.0\.1:9/);
  } finally {
    await client.close();
  }
});

test('manifest not matching Docker-Content-Digest', async () => {
  addImage(registry, 'lab/app', { tag: '1' });
  const stored = registry.manifests.get('lab/app:1')!;
  registry.manifests.set('lab/app:1', { ...stored, digestHeader: sha256('something else') });
  const client = new RegistryClient(registry.host, options());
  try {
    await assert.rejects(client.getManifest('lab/app', '1'), (error: unknown) => {
      assert.ok(error instanceof ImageFormatError);
      assert.match(error.message, /does not match the Docker-Content-Digest header/);
      return true;
    });
  } finally {
    await client.close();
  }
});

test('manifest not matching pulled digest', async () => {
  const image = addImage(registry, 'lab/app', { tag: '1' });
  // Serve other bytes under the digest, with a header that agrees with those bytes.
  const altered = Buffer.from(registry.manifests.get(`lab/app@${image.digest}`)!.body.toString().replace('layer', 'LAYER'));
  registry.manifests.set(`lab/app@${image.digest}`, { body: altered, mediaType: MEDIA_TYPE_OCI_MANIFEST });
  const client = new RegistryClient(registry.host, options());
  try {
    await assert.rejects(client.getManifest('lab/app', image.digest), (error: unknown) => {
      assert.ok(error instanceof ImageFormatError);
      assert.match(error.message, /does not match the digest it was pulled by/);
      return true;
    });
  } finally {
    await client.close();
  }
});

test('manifest by digest verifies', async () => {
  const image = addImage(registry, 'lab/app', { tag: '1' });
  const opened = await openRegistryImage(`${registry.host}/lab/app@${image.digest}`, options());
  await opened.close();
  assert.equal(opened.manifestDigest, image.digest);
  assert.equal(opened.reference, `${registry.host}/lab/app@${image.digest}`);
});

test('manifest list picks platform', async () => {
  const amd64 = addImage(registry, 'lab/multi', { architecture: 'amd64', layers: ['amd64 layer'] });
  const arm64 = addImage(registry, 'lab/multi', { architecture: 'arm64', variant: 'v8', layers: ['arm64 layer'], oci: true });
  const armv7 = addImage(registry, 'lab/multi', { architecture: 'arm', variant: 'v7', layers: ['armv7 layer'] });
  const attestation = registry.putManifest('lab/multi', { schemaVersion: 2, mediaType: MEDIA_TYPE_OCI_MANIFEST, config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256('x'), size: 1 }, layers: [] });
  const entry = (digest: string, platform: object) => ({ mediaType: MEDIA_TYPE_OCI_MANIFEST, digest, size: 100, platform });
  const indexDigest = registry.putManifest(
    'lab/multi',
    {
      schemaVersion: 2,
      mediaType: MEDIA_TYPE_OCI_INDEX,
      manifests: [
        entry(amd64.digest, { os: 'linux', architecture: 'amd64' }),
        entry(attestation, { os: 'unknown', architecture: 'unknown' }),
        entry(armv7.digest, { os: 'linux', architecture: 'arm', variant: 'v7' }),
        entry(arm64.digest, { os: 'linux', architecture: 'arm64', variant: 'v8' }),
      ],
    },
    { tag: 'latest' },
  );

  const opened = await openRegistryImage(`${registry.host}/lab/multi`, options({ platform: { os: 'linux', architecture: 'arm64' } }));
  try {
    assert.equal(opened.manifestDigest, arm64.digest);
    assert.equal(opened.config.architecture, 'arm64');
    assert.deepEqual(opened.repoDigests, [`${registry.host}/lab/multi@${indexDigest}`]);
    assert.equal((await readAll(await opened.layers[0]!.open())).toString(), 'arm64 layer');
  } finally {
    await opened.close();
  }

  const resolved = await resolveManifest(`${registry.host}/lab/multi`, options({ platform: { os: 'linux', architecture: 'arm', variant: 'v7' } }));
  assert.equal(resolved.indexDigest, indexDigest);
  assert.equal(resolved.manifestDigest, armv7.digest);
  assert.deepEqual(resolved.platform, { os: 'linux', architecture: 'arm', variant: 'v7' });

  assert.equal(await headDigest(`${registry.host}/lab/multi:latest`, options()), indexDigest);

  await assert.rejects(
    openRegistryImage(`${registry.host}/lab/multi`, options({ platform: { os: 'linux', architecture: 's390x' } })),
    /has no image for platform linux\/s390x; it has linux\/amd64, linux\/arm\/v7, linux\/arm64\/v8/,
  );

});

test('single image for another platform', async () => {
  addImage(registry, 'lab/app', { tag: '1', architecture: 'amd64' });
  await rejectsWithCode(openRegistryImage(`${registry.host}/lab/app:1`, options({ platform: { os: 'linux', architecture: 'arm64' } })), 'image.platform_not_found');
  const opened = await openRegistryImage(`${registry.host}/lab/app:1`, options());
  await opened.close();
  assert.equal(opened.config.architecture, 'amd64', 'without a platform option the image is taken as it is');
});

test('blob redirect drops Authorization', async () => {
  registry.auth = { kind: 'bearer' };
  registry.blobRedirect = storage.url;
  addImage(registry, 'lab/app', { tag: '1', layers: ['redirected layer'] });
  const opened = await openRegistryImage(`${registry.host}/lab/app:1`, options());
  try {
    assert.equal((await readAll(await opened.layers[0]!.open())).toString(), 'redirected layer');
  } finally {
    await opened.close();
  }
  const blobRequests = registry.requestsTo('/v2/lab/app/blobs/');
  assert.ok(blobRequests.length >= 2, 'config and layer went to the registry first');
  for (const request of blobRequests) assert.match(String(request.headers.authorization), /^Bearer /);
  assert.ok(storage.requests.length >= 2);
  for (const request of storage.requests) {
    assert.equal(request.headers.authorization, undefined, `no Authorization sent to storage for ${request.url}`);
    assert.match(request.url, /signature=abc/);
  }
});

test('blob with wrong content fails', async () => {
  const image = addImage(registry, 'lab/app', { tag: '1', layers: ['good layer'] });
  const opened = await openRegistryImage(`${registry.host}/lab/app:1`, options());
  try {
    registry.blobs.set(image.layers[0]!.digest, Buffer.from('evil layer'));
    await assert.rejects(readAll(await opened.layers[0]!.open()), (error: unknown) => {
      assert.ok(error instanceof ImageFormatError);
      assert.match(error.message, /does not match its digest/);
      return true;
    });

    registry.blobs.set(image.layers[0]!.digest, Buffer.from('good layer plus more'));
    await assert.rejects(opened.layers[0]!.open(), /more than the 10 its descriptor gives/);

    registry.blobs.set(image.layers[0]!.digest, Buffer.from('short'));
    await assert.rejects(readAll(await opened.layers[0]!.open()), /ended after 5 bytes/);
  } finally {
    await opened.close();
  }
});

test('config with wrong diffID count', async () => {
  addImage(registry, 'lab/app', { tag: '1', extraDiffIds: 1 });
  await assert.rejects(openRegistryImage(`${registry.host}/lab/app:1`, options()), (error: unknown) => {
    assert.ok(error instanceof ImageFormatError);
    assert.match(error.message, /2 layers in its manifest but 3 diffIDs/);
    return true;
  });
});

test('OCI manifest without mediaType', async () => {
  const image = addImage(registry, 'lab/app', { tag: '1', oci: true, omitMediaType: true });
  const client = new RegistryClient(registry.host, options());
  try {
    const fetched = await client.getManifest('lab/app', '1');
    assert.equal(fetched.digest, image.digest);
    assert.equal(fetched.mediaType, MEDIA_TYPE_OCI_MANIFEST);
  } finally {
    await client.close();
  }
});

test('artifact is not an image', async () => {
  const config = registry.putBlob('{}');
  registry.putManifest(
    'lab/chart',
    { schemaVersion: 2, mediaType: MEDIA_TYPE_OCI_MANIFEST, config: { mediaType: 'application/vnd.cncf.helm.config.v1+json', ...config }, layers: [] },
    { tag: '1' },
  );
  await assert.rejects(openRegistryImage(`${registry.host}/lab/chart:1`, options()), /is not a container image: its config has media type "application\/vnd\.cncf\.helm\.config\.v1\+json"/);
});

test('missing tag is not_found', async () => {
  addImage(registry, 'lab/app', { tag: '1' });
  const error = await rejectsWithCode(openRegistryImage(`${registry.host}/lab/app:nope`, options()), 'registry.not_found');
  assert.match(error.message, new RegExp(`${registry.host}/lab/app:nope was not found`));
  assert.match(error.message, /MANIFEST_UNKNOWN/);
  await rejectsWithCode(headDigest(`${registry.host}/lab/app:nope`, options()), 'registry.not_found');
});

test('headDigest uses HEAD only', async () => {
  const image = addImage(registry, 'lab/app', { tag: '1' });
  assert.equal(await headDigest(`${registry.host}/lab/app:1`, options()), image.digest);
  assert.deepEqual(registry.requestsTo('/v2/lab/app/').map((r) => r.method), ['HEAD']);
});

test('listTags follows Link pages', async () => {
  registry.tagPages = [['1', '2'], ['3', '4'], ['5']];
  const client = new RegistryClient(registry.host, options());
  try {
    assert.deepEqual(await client.listTags('lab/app'), ['1', '2', '3', '4', '5']);
  } finally {
    await client.close();
    registry.tagPages = [];
  }
  assert.equal(registry.requestsTo('/v2/lab/app/tags/list').length, 3);
});

test('abort signal stops request', async () => {
  addImage(registry, 'lab/app', { tag: '1' });
  registry.interceptor = (request) => request.url?.includes('/manifests/') === true; // never answers
  const controller = new AbortController();
  const client = new RegistryClient(registry.host, options({ signal: controller.signal }));
  try {
    const pending = client.getManifest('lab/app', '1');
    setTimeout(() => controller.abort(new Error('stopped by test')), 50);
    await assert.rejects(pending, /stopped by test/);
  } finally {
    await client.close().catch(() => undefined);
  }
});

test('request timeout', async () => {
  addImage(registry, 'lab/app', { tag: '1' });
  registry.interceptor = (request) => request.url?.includes('/manifests/') === true; // never answers
  const client = new RegistryClient(registry.host, options({ requestTimeoutMs: 100 }));
  try {
    await rejectsWithCode(client.getManifest('lab/app', '1'), 'registry.timeout');
  } finally {
    await client.close().catch(() => undefined);
  }
});

/** Makes GETs of one blob send headers and 10 bytes, then either stall or trickle 10 bytes every `trickleMs`. */
function slowBlob(digest: string, trickleMs?: number): Array<NodeJS.Timeout> {
  const timers: Array<NodeJS.Timeout> = [];
  registry.interceptor = (request, response) => {
    const data = registry.blobs.get(digest);
    if (!request.url?.endsWith(`/blobs/${digest}`) || data === undefined) return false;
    response.writeHead(200, { 'content-length': data.length });
    response.write(data.subarray(0, 10));
    if (trickleMs !== undefined) {
      let sent = 10;
      const timer = setInterval(() => {
        if (sent >= data.length || response.destroyed) return;
        response.write(data.subarray(sent, sent + 10));
        sent += 10;
      }, trickleMs);
      timers.push(timer);
    }
    return true;
  };
  return timers;
}

test('stalled blob body is registry.timeout', async () => {
  const image = addImage(registry, 'slowblob/app', { tag: '1', layers: ['x'.repeat(1000)] });
  slowBlob(image.layers[0]!.digest);
  const dispatcher = new Agent({ bodyTimeout: 200 });
  const opened = await openRegistryImage(`${registry.host}/slowblob/app:1`, options({ dispatcher }));
  try {
    const error = await rejectsWithCode(readAll(await opened.layers[0]!.open()), 'registry.timeout');
    assert.ok(error instanceof RegistryError);
    assert.equal(error.registry, registry.host);
    assert.equal(error.repository, 'slowblob/app');
    assert.ok(error.message.includes(image.layers[0]!.digest), error.message);
    assert.ok(error.hint);
  } finally {
    await opened.close();
    await dispatcher.close();
  }
});

test('broken blob body is registry.unreachable', async () => {
  const image = addImage(registry, 'lab/app', { tag: '1', layers: ['x'.repeat(1000)] });
  registry.interceptor = (request, response) => {
    if (!request.url?.endsWith(image.layers[0]!.digest)) return false;
    response.writeHead(200, { 'content-length': 1000 });
    response.write('x'.repeat(10), () => response.destroy());
    return true;
  };
  const opened = await openRegistryImage(`${registry.host}/lab/app:1`, options());
  try {
    const error = await rejectsWithCode(readAll(await opened.layers[0]!.open()), 'registry.unreachable');
    assert.ok(error.message.includes(image.layers[0]!.digest), error.message);
    assert.ok(error.hint);
  } finally {
    await opened.close();
  }
});

test('stalled config blob is registry.timeout', async () => {
  const image = addImage(registry, 'lab/app', { tag: '1' });
  registry.interceptor = (request, response) => {
    if (!request.url?.endsWith(image.configDigest)) return false;
    response.writeHead(200, { 'content-length': 200 });
    response.write('{');
    return true;
  };
  const dispatcher = new Agent({ bodyTimeout: 200 });
  try {
    const error = await rejectsWithCode(openRegistryImage(`${registry.host}/lab/app:1`, options({ dispatcher })), 'registry.timeout');
    assert.ok(error.message.includes(image.configDigest), error.message);
  } finally {
    await dispatcher.close();
  }
});

test('stalled manifest body is registry.timeout', async () => {
  addImage(registry, 'lab/app', { tag: '1' });
  registry.interceptor = (request, response) => {
    if (!request.url?.includes('/manifests/')) return false;
    response.writeHead(200, { 'content-length': 500, 'content-type': MEDIA_TYPE_OCI_MANIFEST });
    response.write('{');
    return true;
  };
  const dispatcher = new Agent({ bodyTimeout: 200 });
  try {
    const error = await rejectsWithCode(openRegistryImage(`${registry.host}/lab/app:1`, options({ dispatcher, requestTimeoutMs: 60_000 })), 'registry.timeout');
    assert.match(error.message, /lab\/app/);
    assert.ok(error.hint);
  } finally {
    await dispatcher.close();
  }
});

test('blob below minimum rate is registry.timeout', async () => {
  const image = addImage(registry, 'lab/app', { tag: '1', layers: ['x'.repeat(100_000)] });
  const timers = slowBlob(image.layers[0]!.digest, 20);
  const blobThroughput = { graceMs: 200, minBytesPerSecond: 10_000 };
  const opened = await openRegistryImage(`${registry.host}/lab/app:1`, options({ blobThroughput }));
  try {
    const error = await rejectsWithCode(readAll(await opened.layers[0]!.open()), 'registry.timeout');
    assert.ok(error.message.includes(image.layers[0]!.digest), error.message);
    assert.match(error.message, /too slow: \d+ of 100000 bytes/);
    assert.match(error.message, /below the minimum of 10000 bytes\/s/);
  } finally {
    for (const timer of timers) clearInterval(timer);
    await opened.close();
  }
});

test('blob above minimum rate downloads', async () => {
  const image = addImage(registry, 'lab/app', { tag: '1', layers: ['x'.repeat(2000)] });
  const timers = slowBlob(image.layers[0]!.digest, 5);
  const opened = await openRegistryImage(`${registry.host}/lab/app:1`, options({ blobThroughput: { graceMs: 50, minBytesPerSecond: 10 } }));
  try {
    assert.equal((await readAll(await opened.layers[0]!.open())).length, 2000);
  } finally {
    for (const timer of timers) clearInterval(timer);
    await opened.close();
  }
});
