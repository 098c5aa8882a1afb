import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EngineClient, hasHealthcheck, parseEndpoint } from '../../src/engine/index.js';
import { ensureLab, labSkipReason } from '../helpers/lab.js';

const skip = labSkipReason();
/** Podman stores the lab image only under its registry name. */
const IMAGE = '127.0.0.1:5000/lab/app:1';

function podman(): EngineClient {
  const lab = ensureLab();
  if (lab.podmanSock === undefined) throw new Error('the lab has no Podman socket (LAB_PODMAN_SOCK is empty)');
  return new EngineClient(parseEndpoint(`unix://${lab.podmanSock}`, { name: 'lab-podman', kind: 'podman' }));
}

test('podman ping and version', { skip }, async (t) => {
  const engine = podman();
  t.after(() => engine.close());

  await engine.ping();
  const version = await engine.version();
  assert.equal(version.kind, 'podman');
  assert.match(version.version, /^\d+\.\d+/);
  assert.match(await engine.apiVersion(), /^1\.\d+$/);
});

test('podman lists a created container', { skip }, async (t) => {
  const engine = podman();
  const name = `bosun-test-engine-${process.pid}-podman`;
  t.after(async () => {
    await engine.removeContainer(name, { force: true }).catch(() => undefined);
    await engine.close();
  });

  const image = await engine.inspectImage(IMAGE);
  assert.ok(image.diffIds.length > 0);
  assert.ok(image.repoTags.includes(IMAGE), image.repoTags.join(', '));

  const { id } = await engine.createContainer(name, {
    Image: IMAGE,
    Cmd: ['sleep', '300'],
    Env: ['MODE=podman'],
    Labels: { 'bosun.test': 'podman' },
    HostConfig: { NetworkMode: 'none' },
  });
  await engine.startContainer(id);

  const rows = await engine.listContainers({ filters: { label: ['bosun.test=podman'] } });
  const row = rows.find((entry) => entry.id === id);
  assert.ok(row, `container ${id} not listed by Podman`);
  assert.deepEqual(row.names, [name]);
  assert.equal(row.state, 'running');
  assert.equal(row.labels['bosun.test'], 'podman');
  assert.equal(row.imageId, image.id);

  const inspect = await engine.inspectContainer(id);
  assert.equal(inspect.name, name);
  assert.equal(inspect.state.running, true);
  assert.ok(inspect.config.env.includes('MODE=podman'));
  assert.deepEqual(inspect.config.cmd, ['sleep', '300']);
  assert.equal(inspect.config.labels['bosun.test'], 'podman');
  // The image's healthcheck is configured, though Podman runs it only from systemd timers.
  assert.ok(hasHealthcheck(inspect));

  await engine.stopContainer(id, 1);
  assert.equal((await engine.inspectContainer(id)).state.running, false);
  await engine.removeContainer(id);
  assert.equal((await engine.listContainers({ all: true })).some((entry) => entry.id === id), false);
});
