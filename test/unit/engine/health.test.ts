import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EngineError } from '../../../src/common/errors.js';
import { startFakeEngine, json } from './fake-engine.js';

/** Builds a container inspect body with the given state, and a healthcheck unless `health` is undefined. */
function inspectBody(state: { Status: string; Running: boolean; ExitCode?: number }, health?: string, output?: string): unknown {
  return {
    Id: 'c1',
    Name: '/web-1',
    Image: 'sha256:aa',
    State: { ...state, ...(health === undefined ? {} : { Health: { Status: health, Log: output === undefined ? [] : [{ Output: output }] } }) },
    Config: { Image: 'lab/app:1', Healthcheck: health === undefined ? undefined : { Test: ['CMD', 'true'] } },
    HostConfig: {},
  };
}

/** Serves the inspect bodies in order, repeating the last one. */
async function engineWith(t: { after(fn: () => Promise<void>): void }, sequence: unknown[]) {
  let index = 0;
  const engine = await startFakeEngine((request, response) => {
    if (request.url === '/version') return;
    json(response, 200, sequence[Math.min(index++, sequence.length - 1)]);
  });
  t.after(() => engine.close());
  return engine;
}

async function expectCode(promise: Promise<unknown>, code: string): Promise<EngineError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof EngineError, `expected ${code}, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    return error;
  }
  assert.fail(`expected ${code}, but it succeeded`);
}

const RUNNING = { Status: 'running', Running: true };

test('wait healthy after starting', async (t) => {
  const engine = await engineWith(t, [inspectBody(RUNNING, 'starting'), inspectBody(RUNNING, 'starting'), inspectBody(RUNNING, 'healthy')]);
  const result = await engine.client().waitHealthy('web-1', { timeoutMs: 10_000, intervalMs: 10 });
  assert.equal(result.state.health, 'healthy');
  assert.equal(engine.requests.length, 4);
});

test('wait healthy without healthcheck', async (t) => {
  const engine = await engineWith(t, [inspectBody({ Status: 'created', Running: false }), inspectBody(RUNNING)]);
  const result = await engine.client().waitHealthy('web-1', { timeoutMs: 10_000, intervalMs: 10 });
  assert.equal(result.state.running, true);
});

test('wait healthy fails when unhealthy', async (t) => {
  const engine = await engineWith(t, [inspectBody(RUNNING, 'starting'), inspectBody(RUNNING, 'unhealthy', 'curl: (7) connection refused\n')]);
  const error = await expectCode(engine.client().waitHealthy('web-1', { timeoutMs: 10_000, intervalMs: 10 }), 'engine.unhealthy');
  assert.match(error.message, /connection refused/);
});

test('wait healthy fails when exited', async (t) => {
  const engine = await engineWith(t, [inspectBody({ Status: 'exited', Running: false, ExitCode: 3 }, 'starting')]);
  const error = await expectCode(engine.client().waitHealthy('web-1', { timeoutMs: 10_000, intervalMs: 10 }), 'engine.container_exited');
  assert.match(error.message, /exit code 3/);
});

test('wait healthy times out', async (t) => {
  const engine = await engineWith(t, [inspectBody(RUNNING, 'starting')]);
  const error = await expectCode(engine.client().waitHealthy('web-1', { timeoutMs: 100, intervalMs: 20 }), 'engine.health_timeout');
  assert.match(error.message, /starting/);
});

test('wait healthy honours abort', async (t) => {
  const engine = await engineWith(t, [inspectBody(RUNNING, 'starting')]);
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 50);
  await assert.rejects(engine.client().waitHealthy('web-1', { timeoutMs: 60_000, intervalMs: 10, signal: controller.signal }), (error: unknown) => error instanceof Error && error.name === 'AbortError');
});

test('healthcheck NONE means none', async (t) => {
  const body = inspectBody(RUNNING) as { Config: Record<string, unknown> };
  body.Config['Healthcheck'] = { Test: ['NONE'] };
  const engine = await engineWith(t, [body]);
  const result = await engine.client().waitHealthy('web-1', { timeoutMs: 1000, intervalMs: 10 });
  assert.equal(result.state.health, undefined);
});
