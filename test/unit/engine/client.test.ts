import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EngineError, InputError } from '../../../src/common/errors.js';
import { CLIENT_API_VERSION, compareApiVersions, negotiateApiVersion, parseApiVersion, type ApiVersion } from '../../../src/engine/index.js';
import { json, startFakeEngine, versionBody } from './fake-engine.js';

async function expectEngineError(promise: Promise<unknown>, code: string): Promise<EngineError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof EngineError, `expected EngineError ${code}, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    return error;
  }
  assert.fail(`expected ${code}, but the call succeeded`);
}

test('api version comparison', () => {
  const cases: Array<[string, string, number]> = [
    ['1.41', '1.41', 0],
    ['1.9', '1.41', -1],
    ['1.47', '1.41', 1],
    ['2.0', '1.99', 1],
  ];
  for (const [left, right, sign] of cases) {
    assert.equal(Math.sign(compareApiVersions(left as ApiVersion, right as ApiVersion)), sign, `${left} vs ${right}`);
  }
  assert.equal(parseApiVersion('1.41'), '1.41');
  assert.equal(parseApiVersion('v1.41'), undefined);
  assert.equal(parseApiVersion('1.41/../x'), undefined);
});

test('api version negotiation picks the lower', () => {
  assert.equal(negotiateApiVersion('1.41' as ApiVersion, '1.12' as ApiVersion, 'e'), '1.41');
  assert.equal(negotiateApiVersion('1.52' as ApiVersion, '1.44' as ApiVersion, 'e'), CLIENT_API_VERSION);
  assert.throws(() => negotiateApiVersion('1.60' as ApiVersion, '1.50' as ApiVersion, 'e'), (error: unknown) => error instanceof EngineError && error.code === 'engine.api_unsupported');
});

test('client prefixes the negotiated version', async (t) => {
  const cases: Array<[string, string, string]> = [
    ['1.40', '1.12', '/v1.40/containers/json?all=true'],
    ['1.52', '1.44', `/v${CLIENT_API_VERSION}/containers/json?all=true`],
  ];
  for (const [server, min, expected] of cases) {
    const engine = await startFakeEngine((request, response) => {
      if (request.url === '/version') json(response, 200, versionBody(server, min));
      else json(response, 200, []);
    });
    t.after(() => engine.close());
    const client = engine.client();
    assert.deepEqual(await client.listContainers({ all: true }), []);
    assert.deepEqual(engine.requests, ['GET /version', `GET ${expected}`]);
  }
});

test('client rejects an engine too new', async (t) => {
  const engine = await startFakeEngine((request, response) => {
    if (request.url === '/version') json(response, 200, versionBody('1.60', '1.50'));
  });
  t.after(() => engine.close());
  await expectEngineError(engine.client().info(), 'engine.api_unsupported');
});

test('client retries a failed negotiation', async (t) => {
  let versionCalls = 0;
  const engine = await startFakeEngine((request, response) => {
    if (request.url === '/version' && versionCalls++ === 0) json(response, 500, { message: 'starting up' });
    else if (request.url !== '/version') json(response, 200, []);
  });
  t.after(() => engine.close());
  const client = engine.client();
  await expectEngineError(client.listImages(), 'engine.server_error');
  assert.deepEqual(await client.listImages(), []);
  assert.equal(versionCalls, 2);
});

test('client classifies status codes', async (t) => {
  const cases: Array<[number, string]> = [
    [400, 'engine.bad_request'],
    [403, 'engine.forbidden'],
    [404, 'engine.not_found'],
    [409, 'engine.conflict'],
    [500, 'engine.server_error'],
    [502, 'engine.server_error'],
    [503, 'engine.unavailable'],
    [418, 'engine.request_failed'],
  ];
  let status = 200;
  const engine = await startFakeEngine((request, response) => {
    if (request.url !== '/version') json(response, status, { message: `refused with ${status}` });
  });
  t.after(() => engine.close());
  const client = engine.client();
  for (const [code, expected] of cases) {
    status = code;
    const error = await expectEngineError(client.inspectContainer('web-1'), expected);
    assert.equal(error.status, code);
    assert.equal(error.endpoint, `unix://${engine.socketPath}`);
    assert.match(error.message, /web-1/);
    assert.match(error.message, new RegExp(`refused with ${code}`));
    assert.ok(error.hint, `no hint for ${code}`);
  }
});

test('client validates responses', async (t) => {
  let body = '';
  const engine = await startFakeEngine((request, response) => {
    if (request.url !== '/version') json(response, 200, body);
  });
  t.after(() => engine.close());
  const client = engine.client();

  body = 'not json';
  await expectEngineError(client.inspectContainer('web-1'), 'engine.invalid_response');
  body = JSON.stringify({ Id: 'abc' });
  await expectEngineError(client.inspectContainer('web-1'), 'engine.invalid_response');
  body = JSON.stringify([{ Id: 'abc', Labels: 'not a map' }]);
  await expectEngineError(client.listContainers(), 'engine.invalid_response');
});

test('client maps container summaries', async (t) => {
  const engine = await startFakeEngine((request, response) => {
    if (request.url === '/version') return;
    json(response, 200, [
      { Id: 'c1', Names: ['/web-1'], Image: 'lab/app:1', ImageID: 'sha256:aa', State: 'running', Status: 'Up', Labels: null, Created: 1700000000, Extra: 1 },
    ]);
  });
  t.after(() => engine.close());
  const [row] = await engine.client().listContainers({ filters: { label: ['a=b'] } });
  assert.deepEqual(row, {
    id: 'c1',
    names: ['web-1'],
    image: 'lab/app:1',
    imageId: 'sha256:aa',
    state: 'running',
    status: 'Up',
    labels: {},
    created: new Date(1700000000 * 1000),
  });
  assert.equal(engine.requests[1], `GET /v1.41/containers/json?all=false&filters=${encodeURIComponent('{"label":["a=b"]}')}`);
});

test('client caps response size', async (t) => {
  const engine = await startFakeEngine((request, response) => {
    if (request.url !== '/version') json(response, 200, JSON.stringify([{ Id: 'x'.repeat(4096) }]));
  });
  t.after(() => engine.close());
  const error = await expectEngineError(engine.client({ maxResponseBytes: 1024 }).listImages(), 'engine.invalid_response');
  assert.match(error.message, /over 1024 bytes/);
});

test('client times out a hung engine', async (t) => {
  const engine = await startFakeEngine(() => {
    // Responds to nothing but /version.
  });
  t.after(() => engine.close());
  const error = await expectEngineError(engine.client({ timeoutMs: 300 }).info(), 'engine.timeout');
  assert.match(error.message, /300 ms/);
  assert.match(error.hint ?? '', /accepted the connection but did not respond/);
});

test('client honours an abort signal', async (t) => {
  const engine = await startFakeEngine(() => {});
  t.after(() => engine.close());
  const controller = new AbortController();
  const pending = engine.client().info({ signal: controller.signal });
  setTimeout(() => controller.abort(), 50);
  await assert.rejects(pending, (error: unknown) => error instanceof Error && error.name === 'AbortError');
});

test('client rejects unsafe names', async (t) => {
  const engine = await startFakeEngine(() => {});
  t.after(() => engine.close());
  const client = engine.client();
  for (const name of ['../containers/x', 'a b', '', 'a?b', '/web']) {
    await assert.rejects(client.inspectContainer(name), InputError, name);
  }
  await assert.rejects(client.inspectImage('lab/app:1?x=1'), InputError);
  assert.deepEqual(engine.requests, []);
});

test('client lifecycle calls and statuses', async (t) => {
  const engine = await startFakeEngine((request, response) => {
    if (request.url === '/version') return;
    if (request.url?.startsWith('/v1.41/containers/create')) json(response, 201, { Id: 'new1', Warnings: ['w'] });
    else if (request.url?.includes('/start') || request.url?.includes('/stop')) {
      response.writeHead(304);
      response.end();
    } else {
      response.writeHead(204);
      response.end();
    }
  });
  t.after(() => engine.close());
  const client = engine.client();

  assert.deepEqual(await client.createContainer('web-2', { Image: 'lab/app:2', Env: ['A=1'] }), { id: 'new1', warnings: ['w'] });
  await client.startContainer('new1');
  await client.stopContainer('new1', 5);
  await client.renameContainer('new1', 'web-1');
  await client.removeContainer('new1', { force: true });
  await client.connectNetwork('backend', 'new1', { Aliases: ['web'] });

  assert.deepEqual(engine.requests.slice(1), [
    'POST /v1.41/containers/create?name=web-2',
    'POST /v1.41/containers/new1/start',
    'POST /v1.41/containers/new1/stop?t=5',
    'POST /v1.41/containers/new1/rename?name=web-1',
    'DELETE /v1.41/containers/new1?force=true&v=false',
    'POST /v1.41/networks/backend/connect',
  ]);
  assert.deepEqual(JSON.parse(engine.bodies[1]!), { Image: 'lab/app:2', Env: ['A=1'] });
  assert.deepEqual(JSON.parse(engine.bodies[6]!), { Container: 'new1', EndpointConfig: { Aliases: ['web'] } });
});

test('client sends service updates with version', async (t) => {
  let authHeader: string | undefined;
  const engine = await startFakeEngine((request, response) => {
    if (request.url === '/version') return;
    authHeader = request.headers['x-registry-auth'] as string | undefined;
    json(response, 200, { Warnings: null });
  });
  t.after(() => engine.close());
  const auth = { username: 'lab', password: 'labpass', serveraddress: '127.0.0.1:5001' };
  const result = await engine.client().updateService('svc1', 42, { Name: 'svc' }, { registryAuth: auth });
  assert.deepEqual(result, { warnings: [] });
  assert.equal(engine.requests[1], 'POST /v1.41/services/svc1/update?version=42');
  assert.deepEqual(JSON.parse(engine.bodies[1]!), { Name: 'svc' });
  assert.deepEqual(JSON.parse(Buffer.from(authHeader ?? '', 'base64url').toString('utf8')), auth);
});

test('ping requires OK', async (t) => {
  let answer = 'OK';
  const engine = await startFakeEngine((request, response) => {
    response.writeHead(200, { 'content-type': 'text/plain' });
    response.end(answer);
  });
  t.after(() => engine.close());
  const client = engine.client();
  await client.ping();
  answer = '<html>';
  await expectEngineError(client.ping(), 'engine.invalid_response');
  assert.deepEqual(engine.requests, ['GET /_ping', 'GET /_ping']);
});
