import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EngineError } from '../../../src/common/errors.js';
import { LineSplitter, parseEventLine, type EngineEvent } from '../../../src/engine/index.js';
import { startFakeEngine } from './fake-engine.js';

const START = '{"status":"start","id":"c1","Type":"container","Action":"start","Actor":{"ID":"c1","Attributes":{"name":"web-1","image":"lab/app:1"}},"scope":"local","time":1700000000,"timeNano":1700000000123456789}';
const DIE = '{"Type":"container","Action":"die","Actor":{"ID":"c1","Attributes":{"exitCode":"0","note":"café"}},"time":1700000001,"timeNano":1700000001000000001}';

test('line splitter joins partial chunks', () => {
  const bytes = Buffer.from(`${START}\n${DIE}\n`);
  // Cut inside the two-byte "é" as well as inside the JSON.
  const cut = bytes.indexOf(Buffer.from('é')) + 1;
  const splitter = new LineSplitter();
  const lines = [
    ...splitter.push(bytes.subarray(0, 10)),
    ...splitter.push(bytes.subarray(10, cut)),
    ...splitter.push(bytes.subarray(cut)),
    ...splitter.end(),
  ];
  assert.deepEqual(lines, [START, DIE]);
});

test('line splitter one byte at a time', () => {
  const bytes = Buffer.from(`${START}\r\n\n${DIE}`);
  const splitter = new LineSplitter();
  const lines: string[] = [];
  for (let i = 0; i < bytes.length; i++) lines.push(...splitter.push(bytes.subarray(i, i + 1)));
  lines.push(...splitter.end());
  assert.deepEqual(lines.map((line) => line.trim()), [START, DIE]);
});

test('line splitter limits line length', () => {
  const splitter = new LineSplitter(100);
  assert.throws(() => splitter.push(Buffer.alloc(101, 'a')), /longer than 100 bytes/);
});

test('event line parsing', () => {
  assert.deepEqual(parseEventLine(START), {
    type: 'container',
    action: 'start',
    actor: { id: 'c1', attributes: { name: 'web-1', image: 'lab/app:1' } },
    scope: 'local',
    time: 1700000000,
    timeNano: 1700000000123456789n,
  } satisfies EngineEvent);
  assert.equal(parseEventLine(DIE)?.actor.attributes['note'], 'café');
  assert.equal(parseEventLine(DIE)?.timeNano, 1700000001000000001n);
});

test('event line rejects invalid lines', () => {
  for (const line of ['not json', '[]', '{"Type":"container"}', '{"Type":1,"Action":"start"}']) {
    assert.equal(parseEventLine(line), undefined, line);
  }
});

test('event time ignores look-alike labels', () => {
  const line = '{"Type":"container","Action":"start","Actor":{"ID":"c1","Attributes":{"x":"\\"timeNano\\":5"}},"time":1700000000,"timeNano":1700000000000000007}';
  assert.equal(parseEventLine(line)?.timeNano, 1700000000000000007n);
});

test('event without timeNano uses time', () => {
  assert.equal(parseEventLine('{"Type":"image","Action":"pull","time":1700000000}')?.timeNano, 1700000000000000000n);
});

test('events stream parses chunks and stops on abort', async (t) => {
  const engine = await startFakeEngine((request, response) => {
    if (request.url === '/version') return;
    response.writeHead(200, { 'content-type': 'application/json' });
    const bytes = Buffer.from(`${START}\n{broken\n${DIE}\n`);
    // Three writes cutting the lines at arbitrary points; the stream then stays open.
    response.write(bytes.subarray(0, 17));
    setTimeout(() => response.write(bytes.subarray(17, 250)), 10);
    setTimeout(() => response.write(bytes.subarray(250)), 20);
  });
  t.after(() => engine.close());
  const controller = new AbortController();
  const seen: string[] = [];
  for await (const event of engine.client().events({ signal: controller.signal, filters: { type: ['container'] } })) {
    seen.push(event.action);
    if (seen.length === 2) controller.abort();
  }
  assert.deepEqual(seen, ['start', 'die']);
  assert.equal(engine.requests[1], `GET /v1.41/events?filters=${encodeURIComponent('{"type":["container"]}')}`);
});

test('events stream ends cleanly on abort while idle', async (t) => {
  const engine = await startFakeEngine((request, response) => {
    if (request.url === '/version') return;
    response.writeHead(200, { 'content-type': 'application/json' });
    response.write(`${START}\n`);
  });
  t.after(() => engine.close());
  const controller = new AbortController();
  const seen: string[] = [];
  for await (const event of engine.client().events({ signal: controller.signal })) {
    seen.push(event.action);
    setTimeout(() => controller.abort(), 20);
  }
  assert.deepEqual(seen, ['start']);
});

test('events stream throws on connection loss', async (t) => {
  const engine = await startFakeEngine((request, response) => {
    if (request.url === '/version') return;
    response.writeHead(200, { 'content-type': 'application/json' });
    response.write(`${START}\n`);
    setTimeout(() => response.socket?.destroy(), 20);
  });
  t.after(() => engine.close());
  const seen: string[] = [];
  await assert.rejects(
    (async () => {
      for await (const event of engine.client().events({ signal: new AbortController().signal })) seen.push(event.action);
    })(),
    (error: unknown) => error instanceof EngineError && error.code === 'engine.connection_lost',
  );
  assert.deepEqual(seen, ['start']);
});

test('events stream throws when the engine ends it', async (t) => {
  const engine = await startFakeEngine((request, response) => {
    if (request.url === '/version') return;
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(`${START}\n`);
  });
  t.after(() => engine.close());
  const client = engine.client();
  await assert.rejects(
    (async () => {
      for await (const _event of client.events({ signal: new AbortController().signal })) {
        // Drain.
      }
    })(),
    (error: unknown) => error instanceof EngineError && error.code === 'engine.connection_lost',
  );

  // With `until`, the end of the stream is the expected end.
  const seen: string[] = [];
  for await (const event of client.events({ signal: new AbortController().signal, since: new Date(1_700_000_000_500), until: new Date(1_700_000_100_000) })) {
    seen.push(event.action);
  }
  assert.deepEqual(seen, ['start']);
  assert.equal(engine.requests.at(-1), 'GET /v1.41/events?since=1700000000.500000000&until=1700000100.000000000');
});

test('events stream reports HTTP errors', async (t) => {
  const engine = await startFakeEngine((request, response) => {
    if (request.url === '/version') return;
    response.writeHead(400, { 'content-type': 'application/json' });
    response.end('{"message":"invalid filter"}');
  });
  t.after(() => engine.close());
  await assert.rejects(
    (async () => {
      for await (const _event of engine.client().events({ signal: new AbortController().signal, filters: { bogus: ['x'] } })) {
        // Nothing arrives.
      }
    })(),
    (error: unknown) => error instanceof EngineError && error.code === 'engine.bad_request' && /invalid filter/.test(error.message),
  );
});
