import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { EngineError } from '../../../src/common/errors.js';
import { openEngineImage } from '../../../src/image/sources/engine.js';

test('engine export times out a silent engine', async (t) => {
  const sockets: Socket[] = [];
  const server = createServer((socket) => {
    sockets.push(socket); // accepts and never answers
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    for (const socket of sockets) socket.destroy();
    server.close();
  });
  const host = `tcp://127.0.0.1:${(server.address() as AddressInfo).port}`;

  await assert.rejects(openEngineImage('docker', 'lab/app:1', 'docker:lab/app:1', { host, headersTimeoutMs: 200 }), (error: unknown) => {
    assert.ok(error instanceof EngineError, String(error));
    assert.equal(error.code, 'engine.timeout');
    assert.match(error.message, /did not respond to the export of lab\/app:1 within 0\.2 s/);
    assert.match(error.hint ?? '', /accepted the connection but did not respond/);
    return true;
  });
});
