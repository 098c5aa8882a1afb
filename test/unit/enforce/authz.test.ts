import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import type { Digest } from '../../../src/common/digest.js';
import {
  Authorizer,
  classifyRequest,
  judgedAction,
  startPluginServer,
  VerdictCache,
  type EnforcementSettings,
  type ImageResolver,
  type Judgement,
  type ResolvedImage,
} from '../../../src/enforce/index.js';

const TRUSTED = `sha256:${'a'.repeat(64)}` as Digest;
const UNTRUSTED = `sha256:${'b'.repeat(64)}` as Digest;

const images: Record<string, ResolvedImage> = {
  'lab/debian:bookworm': image('lab/debian:bookworm', TRUSTED),
  'evil:1': image('evil:1', UNTRUSTED),
};

function image(target: string, configDigest: Digest): ResolvedImage {
  return { target, references: [`docker.io/${target}`], configDigest, manifestDigest: undefined, diffIds: [], annotations: {} };
}

const judgements: Record<string, Judgement> = {
  [TRUSTED]: { verdict: 'trusted', reasons: ['trusted base'], chain: ['lab/debian:bookworm'] },
  [UNTRUSTED]: { verdict: 'untrusted', reasons: ['the origin of image evil:1 is unknown', 'second reason', 'third', 'fourth'], chain: ['evil:1'] },
};

function encode(body: unknown): string {
  return Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)).toString('base64');
}

function createRequest(uri: string, body: unknown, method = 'POST'): Record<string, unknown> {
  return { User: 'alice', RequestMethod: method, RequestUri: uri, RequestBody: encode(body), RequestHeaders: { 'Content-Type': 'application/json' } };
}

function authorizer(settings: EnforcementSettings, options: { resolver?: ImageResolver; cache?: VerdictCache } = {}): { authorizer: Authorizer; judged: string[] } {
  const judged: string[] = [];
  const resolver: ImageResolver = options.resolver ?? { resolveImage: async (name) => images[name] };
  const result = new Authorizer({
    resolver,
    judge: {
      judgeImage: async (resolved) => {
        judged.push(resolved.configDigest);
        return judgements[resolved.configDigest]!;
      },
    },
    settings,
    cache: options.cache ?? new VerdictCache(0),
  });
  return { authorizer: result, judged };
}

const enforce: EnforcementSettings = { mode: 'enforce', failClosed: true };

test('judged request paths', () => {
  const cases: Array<[string, string | undefined]> = [
    ['/v1.41/containers/create', 'container create'],
    ['/v1.41/containers/create?name=web', 'container create'],
    ['/containers/create', 'container create'],
    ['/v1.24/services/create', 'service create'],
    ['/services/abc123/update?version=5', 'service update'],
    ['/v1.41/containers%2Fcreate', 'container create'],
    ['/v1.41//containers/create', 'container create'],
    ['/v1.41/images/../containers/create', 'container create'],
    ['/v1.41/Containers/Create', 'container create'],
    ['/v1.41/containers/abc/start', undefined],
    ['/v1.41/containers/create/extra', undefined],
    ['/v1.41/images/create?fromImage=evil', undefined],
    ['/v1.41/build', undefined],
    ['/v1.41/services/abc/update/more', undefined],
    ['/v1.41/containers/%E0%A4%A', undefined],
  ];
  for (const [uri, action] of cases) assert.equal(judgedAction(uri), action, uri);
});

test('request classification from bodies', () => {
  assert.deepEqual(classifyRequest(createRequest('/v1.41/containers/create', { Image: 'evil:1', Cmd: ['sh'] })), { kind: 'judge', action: 'container create', image: 'evil:1' });
  assert.deepEqual(classifyRequest(createRequest('/v1.41/services/create', { TaskTemplate: { ContainerSpec: { Image: 'evil:1' } } })), { kind: 'judge', action: 'service create', image: 'evil:1' });
  assert.deepEqual(classifyRequest(createRequest('/v1.41/containers/create', { Image: 'evil:1' }, 'GET')), { kind: 'allow' });
  assert.deepEqual(classifyRequest(createRequest('/v1.41/containers/json', {}, 'GET')), { kind: 'allow' });

  const unreadable: Array<[Record<string, unknown>, RegExp]> = [
    [createRequest('/v1.41/containers/create', '{not json'), /not valid JSON/],
    [createRequest('/v1.41/containers/create', { Cmd: ['sh'] }), /has no Image/],
    [createRequest('/v1.41/containers/create', { Image: 42 }), /has no Image/],
    [createRequest('/v1.41/containers/create', ['Image']), /has no Image/],
    [createRequest('/v1.41/services/abc/update', { TaskTemplate: {} }), /TaskTemplate\.ContainerSpec\.Image/],
    [{ RequestMethod: 'POST', RequestUri: '/v1.41/containers/create' }, /did not forward the request body/],
    [{ RequestMethod: 'POST', RequestUri: '/v1.41/containers/create', RequestBody: 'A'.repeat(2 * 1024 * 1024) }, /larger than/],
  ];
  for (const [request, reason] of unreadable) {
    const result = classifyRequest(request);
    assert.equal(result.kind, 'unreadable', JSON.stringify(request).slice(0, 120));
    assert.match(result.kind === 'unreadable' ? result.reason : '', reason);
  }
});

test('authorizer decisions', async () => {
  const { authorizer: decide } = authorizer(enforce);
  assert.deepEqual(await decide.authorizeRequest(createRequest('/v1.41/containers/create', { Image: 'lab/debian:bookworm' })), { Allow: true, Msg: '', Err: '' });

  const denied = await decide.authorizeRequest(createRequest('/v1.41/containers/create', { Image: 'evil:1' }));
  assert.equal(denied.Allow, false);
  assert.equal(denied.Err, '');
  assert.equal(denied.Msg, 'bosun: image evil:1 (sha256:bbbbbbbbbbbb) is untrusted: the origin of image evil:1 is unknown; second reason; third (and 1 more)');

  const service = await decide.authorizeRequest(createRequest('/v1.41/services/create', { TaskTemplate: { ContainerSpec: { Image: 'evil:1' } } }));
  assert.equal(service.Allow, false);

  const missing = await decide.authorizeRequest(createRequest('/v1.41/containers/create', { Image: 'not-pulled:1' }));
  assert.equal(missing.Allow, true, 'the engine rejects a create of a missing image itself');

  assert.equal((await decide.authorizeRequest(createRequest('/v1.41/containers/abc/start', {}))).Allow, true);
});

test('warn mode allows with the message', async () => {
  const { authorizer: decide } = authorizer({ mode: 'warn', failClosed: true });
  const response = await decide.authorizeRequest(createRequest('/v1.41/containers/create', { Image: 'evil:1' }));
  assert.equal(response.Allow, true);
  assert.match(response.Msg, /is untrusted/);
});

test('unjudgeable requests follow failClosed', async () => {
  const failing: ImageResolver = {
    resolveImage: async () => {
      throw new Error('engine unreachable');
    },
  };
  const inputs: Array<[string, unknown]> = [
    ['resolver error', createRequest('/v1.41/containers/create', { Image: 'evil:1' })],
    ['invalid JSON', createRequest('/v1.41/containers/create', '{"Image":')],
    ['missing body', { RequestMethod: 'POST', RequestUri: '/v1.41/containers/create' }],
    ['not a plugin request', 'plain text'],
    ['empty', undefined],
  ];
  for (const [name, body] of inputs) {
    const closed = await authorizer({ mode: 'enforce', failClosed: true }, { resolver: failing }).authorizer.authorizeRequest(body);
    assert.equal(closed.Allow, false, `${name}: fail closed`);
    assert.match(closed.Msg, /^bosun: cannot judge .*denied because the policy fails closed$/, name);

    const open = await authorizer({ mode: 'enforce', failClosed: false }, { resolver: failing }).authorizer.authorizeRequest(body);
    assert.equal(open.Allow, true, `${name}: fail open`);
  }
});

test('verdict cache by config digest', async () => {
  let now = 0;
  const cache = new VerdictCache(30_000, 10, () => now);
  const { authorizer: decide, judged } = authorizer(enforce, { cache });
  const body = createRequest('/v1.41/containers/create', { Image: 'evil:1' });

  await decide.authorizeRequest(body);
  await decide.authorizeRequest(body);
  assert.deepEqual(judged, [UNTRUSTED], 'the second request reuses the verdict');

  now = 30_000;
  await decide.authorizeRequest(body);
  assert.deepEqual(judged, [UNTRUSTED, UNTRUSTED], 'an expired verdict is judged again');
});

test('verdict cache drops the oldest entry', () => {
  const cache = new VerdictCache(1000, 2, () => 0);
  const judgement: Judgement = { verdict: 'trusted', reasons: [], chain: [] };
  cache.set('one', judgement);
  cache.set('two', judgement);
  cache.set('three', judgement);
  assert.equal(cache.size, 2);
  assert.equal(cache.get('one'), undefined);
  assert.equal(cache.get('three'), judgement);
});

function post(socketPath: string, urlPath: string, body: string | Buffer, method = 'POST'): Promise<{ status: number; contentType: string | undefined; json: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest({ socketPath, path: urlPath, method, headers: { 'Content-Type': 'application/json' } }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        try {
          resolve({ status: response.statusCode ?? 0, contentType: response.headers['content-type'], json: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown> });
        } catch (error) {
          reject(error);
        }
      });
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end(body);
  });
}

test('plugin server speaks the protocol', async () => {
  const directory = await mkdtemp(path.join(tmpdir(), 'bosun-authz-'));
  const server = await startPluginServer({ authorizer: authorizer(enforce).authorizer, name: 'unit', pluginDir: directory });
  try {
    assert.equal(server.socketPath, path.join(directory, 'unit.sock'));
    const activate = await post(server.socketPath, '/Plugin.Activate', '');
    assert.equal(activate.status, 200);
    assert.equal(activate.contentType, 'application/vnd.docker.plugins.v1.2+json');
    assert.deepEqual(activate.json, { Implements: ['authz'] });

    const denied = await post(server.socketPath, '/AuthZPlugin.AuthZReq', JSON.stringify(createRequest('/v1.41/containers/create', { Image: 'evil:1' })));
    assert.equal(denied.json['Allow'], false);
    assert.match(String(denied.json['Msg']), /evil:1/);

    const allowed = await post(server.socketPath, '/AuthZPlugin.AuthZReq', JSON.stringify(createRequest('/v1.41/containers/create', { Image: 'lab/debian:bookworm' })));
    assert.equal(allowed.json['Allow'], true);

    const response = await post(server.socketPath, '/AuthZPlugin.AuthZRes', JSON.stringify({ ...createRequest('/v1.41/containers/create', { Image: 'evil:1' }), ResponseStatusCode: 201 }));
    assert.deepEqual(response.json, { Allow: true, Msg: '', Err: '' });

    const invalid = await post(server.socketPath, '/AuthZPlugin.AuthZReq', '{"RequestMethod": "POST",');
    assert.equal(invalid.json['Allow'], false, 'invalid JSON is denied when failing closed');

    const huge = await post(server.socketPath, '/AuthZPlugin.AuthZReq', Buffer.alloc(3 * 1024 * 1024, 0x41));
    assert.equal(huge.status, 200);
    assert.equal(huge.json['Allow'], false, 'an oversized request is denied when failing closed');

    assert.equal((await post(server.socketPath, '/Other.Method', '{}')).status, 404);
    assert.equal((await post(server.socketPath, '/Plugin.Activate', '', 'GET')).status, 405);

    await assert.rejects(startPluginServer({ authorizer: authorizer(enforce).authorizer, name: 'unit', pluginDir: directory }), /another process is listening/);
  } finally {
    await server.close();
    await rm(directory, { recursive: true, force: true });
  }
});

test('plugin server replaces a stale socket', async () => {
  const directory = await mkdtemp(path.join(tmpdir(), 'bosun-authz-'));
  try {
    const first = await startPluginServer({ authorizer: authorizer(enforce).authorizer, name: 'stale', pluginDir: directory });
    await first.close();
    // A killed plugin leaves its socket file behind, modelled here by a socket without a listener.
    const { createServer } = await import('node:net');
    const orphan = createServer();
    await new Promise<void>((resolve) => orphan.listen(first.socketPath, resolve));
    await new Promise<void>((resolve) => {
      orphan.close(() => resolve());
    });
    await writeFile(path.join(directory, 'plain.sock'), 'not a socket');
    await assert.rejects(startPluginServer({ authorizer: authorizer(enforce).authorizer, name: 'plain', pluginDir: directory }), /is not a socket/);

    const second = await startPluginServer({ authorizer: authorizer(enforce).authorizer, name: 'stale', pluginDir: directory });
    assert.deepEqual((await post(second.socketPath, '/Plugin.Activate', '')).json, { Implements: ['authz'] });
    await second.close();
    await assert.rejects(startPluginServer({ authorizer: authorizer(enforce).authorizer, name: '../escape', pluginDir: directory }), /invalid plugin name/);
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
});
