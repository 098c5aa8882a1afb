import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ImageFormatError, RegistryError } from '../../../src/common/errors.js';
import {
  MEDIA_TYPE_DOCKER_MANIFEST,
  MEDIA_TYPE_DOCKER_MANIFEST_LIST,
  MEDIA_TYPE_OCI_INDEX,
  MEDIA_TYPE_OCI_MANIFEST,
  parseImageConfig,
  parseManifest,
} from '../../../src/image/manifest.js';
import { parseChallenges, parseTokenResponse, TokenCache } from '../../../src/image/registry/auth.js';
import { isLoopbackHost, registryBaseUrl } from '../../../src/image/registry/endpoint.js';
import { parseRetryAfter } from '../../../src/image/registry/http.js';

const D1 = `sha256:${'1'.repeat(64)}`;
const D2 = `sha256:${'2'.repeat(64)}`;
const descriptor = (mediaType: string, digest = D1) => ({ mediaType, digest, size: 10 });
const imageManifest = { schemaVersion: 2, config: descriptor('application/vnd.oci.image.config.v1+json'), layers: [descriptor('application/vnd.oci.image.layer.v1.tar+gzip', D2)] };
const index = { schemaVersion: 2, manifests: [{ ...descriptor(MEDIA_TYPE_OCI_MANIFEST), platform: { os: 'linux', architecture: 'amd64' } }] };

const mediaTypeCases: Array<{ name: string; body: object; contentType?: string; expected: string }> = [
  { name: 'docker manifest', body: { ...imageManifest, mediaType: MEDIA_TYPE_DOCKER_MANIFEST }, expected: MEDIA_TYPE_DOCKER_MANIFEST },
  { name: 'docker list', body: { ...index, mediaType: MEDIA_TYPE_DOCKER_MANIFEST_LIST }, expected: MEDIA_TYPE_DOCKER_MANIFEST_LIST },
  { name: 'oci manifest', body: { ...imageManifest, mediaType: MEDIA_TYPE_OCI_MANIFEST }, expected: MEDIA_TYPE_OCI_MANIFEST },
  { name: 'oci index', body: { ...index, mediaType: MEDIA_TYPE_OCI_INDEX }, expected: MEDIA_TYPE_OCI_INDEX },
  { name: 'manifest typed by header', body: imageManifest, contentType: `${MEDIA_TYPE_DOCKER_MANIFEST}; charset=utf-8`, expected: MEDIA_TYPE_DOCKER_MANIFEST },
  { name: 'manifest typed by shape', body: imageManifest, contentType: 'application/json', expected: MEDIA_TYPE_OCI_MANIFEST },
  { name: 'index typed by shape', body: index, expected: MEDIA_TYPE_OCI_INDEX },
];

for (const c of mediaTypeCases) {
  test(`parseManifest ${c.name}`, () => {
    const manifest = parseManifest(JSON.stringify(c.body), c.contentType, 'test manifest');
    assert.equal(manifest.mediaType, c.expected);
  });
}

const badManifests: Array<{ name: string; body: string; message: RegExp }> = [
  { name: 'not json', body: '{', message: /test manifest is not valid JSON/ },
  { name: 'array', body: '[]', message: /is not a JSON object/ },
  { name: 'schema 1', body: JSON.stringify({ schemaVersion: 1, name: 'x', fsLayers: [] }), message: /Docker schema 1/ },
  { name: 'unknown type', body: JSON.stringify({ schemaVersion: 2, mediaType: 'text/plain' }), message: /not a valid image manifest.*text\/plain/ },
  { name: 'bad digest', body: JSON.stringify({ ...imageManifest, mediaType: MEDIA_TYPE_OCI_MANIFEST, config: descriptor('x', 'sha256:abc') }), message: /config\.digest/ },
  { name: 'negative size', body: JSON.stringify({ ...imageManifest, mediaType: MEDIA_TYPE_OCI_MANIFEST, config: { ...descriptor('x'), size: -1 } }), message: /config\.size/ },
  { name: 'shape unknown', body: JSON.stringify({ schemaVersion: 2 }), message: /media type "undefined"/ },
  { name: 'too large', body: `{"pad":"${'x'.repeat(4 * 1024 * 1024)}"}`, message: /more than the limit of 4194304/ },
];

for (const c of badManifests) {
  test(`parseManifest rejects ${c.name}`, () => {
    assert.throws(() => parseManifest(c.body, undefined, 'test manifest'), (error: unknown) => {
      assert.ok(error instanceof ImageFormatError);
      assert.match(error.message, c.message);
      return true;
    });
  });
}

test('parseImageConfig fields', () => {
  const config = parseImageConfig(
    JSON.stringify({
      architecture: 'arm64',
      variant: 'v8',
      os: 'linux',
      config: { Env: null, Cmd: ['sh'], Labels: { a: 'b' }, Unknown: 1 },
      rootfs: { type: 'layers', diff_ids: [D1, D2] },
      history: null,
      extra: true,
    }),
    'test config',
  );
  assert.equal(config.architecture, 'arm64');
  assert.equal(config.config?.Env, undefined);
  assert.deepEqual(config.config?.Cmd, ['sh']);
  assert.deepEqual(config.rootfs.diff_ids, [D1, D2]);
  assert.equal(config.history, undefined);
});

test('parseImageConfig rejects bad configs', () => {
  const base = { architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [D1] } };
  assert.throws(() => parseImageConfig(JSON.stringify({ ...base, rootfs: { type: 'layers', diff_ids: ['bad'] } }), 'c'), /rootfs\.diff_ids\.0/);
  assert.throws(() => parseImageConfig(JSON.stringify({ ...base, rootfs: { type: 'other', diff_ids: [] } }), 'c'), /rootfs type "other"/);
  assert.throws(() => parseImageConfig(JSON.stringify({ os: 'linux' }), 'c'), ImageFormatError);
});

const challengeCases: Array<{ header: string; expected: Array<{ scheme: string; params: Record<string, string> }> }> = [
  {
    header: 'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/nginx:pull"',
    expected: [{ scheme: 'bearer', params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/nginx:pull' } }],
  },
  { header: 'Basic realm="Registry Realm"', expected: [{ scheme: 'basic', params: { realm: 'Registry Realm' } }] },
  { header: 'basic', expected: [{ scheme: 'basic', params: {} }] },
  {
    header: 'Basic realm="a, b", Bearer realm="https://x/token", Service=plain',
    expected: [
      { scheme: 'basic', params: { realm: 'a, b' } },
      { scheme: 'bearer', params: { realm: 'https://x/token', service: 'plain' } },
    ],
  },
  { header: 'Bearer realm="with \\"quotes\\""', expected: [{ scheme: 'bearer', params: { realm: 'with "quotes"' } }] },
  { header: '', expected: [] },
];

for (const c of challengeCases) {
  test(`parseChallenges ${JSON.stringify(c.header).slice(0, 50)}`, () => {
    assert.deepEqual(parseChallenges(c.header), c.expected);
  });
}

test('parseTokenResponse fields', () => {
  const realm = new URL('https://auth.example/token');
  assert.deepEqual(parseTokenResponse({ token: 'a', expires_in: 300 }, 'r', realm), { token: 'a', expiresIn: 300 });
  assert.deepEqual(parseTokenResponse({ access_token: 'b' }, 'r', realm), { token: 'b', expiresIn: 60 });
  assert.throws(() => parseTokenResponse({ expires_in: 300 }, 'r', realm), RegistryError);
  assert.throws(() => parseTokenResponse('nope', 'r', realm), /returned no token/);
});

test('TokenCache keys separate identities', () => {
  const cache = new TokenCache(() => 0);
  const alice = TokenCache.key('r', 'repository:a:pull', { username: 'alice', password: 'x' });
  const bob = TokenCache.key('r', 'repository:a:pull', { username: 'bob', password: 'x' });
  const anonymous = TokenCache.key('r', 'repository:a:pull', undefined);
  cache.set(alice, 'token-a', 300);
  assert.equal(cache.get(alice), 'token-a');
  assert.equal(cache.get(bob), undefined);
  assert.equal(cache.get(anonymous), undefined);
  assert.doesNotMatch(alice, /alice/, 'the key holds no plain credentials');
});

test('parseRetryAfter forms', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  assert.equal(parseRetryAfter('7', now), 7000);
  assert.equal(parseRetryAfter('Thu, 01 Jan 2026 00:00:30 GMT', now), 30_000);
  assert.equal(parseRetryAfter('Wed, 31 Dec 2025 00:00:00 GMT', now), 0);
  assert.equal(parseRetryAfter('soon', now), undefined);
  assert.equal(parseRetryAfter(undefined, now), undefined);
});

const endpoints: Array<{ registry: string; insecure?: string[]; url: string }> = [
  { registry: 'docker.io', url: 'https://registry-1.docker.io' },
  { registry: 'ghcr.io', url: 'https://ghcr.io' },
  { registry: '127.0.0.1:5000', url: 'http://127.0.0.1:5000' },
  { registry: '127.1.2.3', url: 'http://127.1.2.3' },
  { registry: 'localhost:5000', url: 'http://localhost:5000' },
  { registry: '[::1]:5000', url: 'http://[::1]:5000' },
  { registry: '128.0.0.1:5000', url: 'https://128.0.0.1:5000' },
  { registry: 'registry.lan:5000', url: 'https://registry.lan:5000' },
  { registry: 'registry.lan:5000', insecure: ['registry.lan:5000'], url: 'http://registry.lan:5000' },
  { registry: 'registry.lan:5000', insecure: ['http://registry.lan:5000/'], url: 'http://registry.lan:5000' },
  { registry: 'registry.lan:5000', insecure: ['registry.lan'], url: 'https://registry.lan:5000' },
];

for (const c of endpoints) {
  test(`registryBaseUrl ${c.registry}${c.insecure ? ' insecure' : ''}`, () => {
    assert.equal(registryBaseUrl(c.registry, c.insecure).origin, c.url);
  });
}

test('isLoopbackHost cases', () => {
  for (const host of ['localhost', 'LOCALHOST:1', '127.0.0.1', '127.255.0.9:80', '[::1]:5000', '::1']) assert.ok(isLoopbackHost(host), host);
  for (const host of ['localhost.example.com', '10.0.0.1', '[::2]', 'example.com', '1270.0.0.1']) assert.ok(!isLoopbackHost(host), host);
});
