import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { EngineError } from '../../src/common/errors.js';
import { EngineClient, parseEndpoint, type ServiceTask } from '../../src/engine/index.js';
import { docker, ensureLab, labDir, labSkipReason, type Lab } from '../helpers/lab.js';

const skip = labSkipReason();
/**
 * The service image goes by its loopback-registry name: a Swarm task pulls its image by tag
 * before starting, and `lab/app:1` would mean docker.io. This name resolves against the lab
 * registry, and the service is pinned to the digest the engine already holds.
 */
const IMAGE = '127.0.0.1:5000/lab/app:1';

function dockerQuiet(lab: Lab, args: string[]): void {
  spawnSync('docker', args, {
    stdio: 'ignore',
    env: { ...process.env, DOCKER_HOST: `unix://${lab.dockerSock}`, DOCKER_CONFIG: path.join(labDir, 'etc/docker-client') },
    timeout: 60_000,
  });
}

/** Initialises a single-node swarm unless the engine is in one; returns whether this call did it. */
async function joinSwarm(lab: Lab, engine: EngineClient): Promise<boolean> {
  const before = await engine.info();
  if (before.swarm.localNodeState === 'active') return false;
  try {
    docker(lab, ['swarm', 'init', '--advertise-addr', '127.0.0.1', '--listen-addr', '127.0.0.1:2377']);
    return true;
  } catch (error) {
    // Another test may have initialised it meanwhile; that swarm is theirs to leave.
    if ((await engine.info()).swarm.localNodeState === 'active') return false;
    throw error;
  }
}

async function tasksUntil(engine: EngineClient, serviceId: string, done: (tasks: ServiceTask[]) => boolean): Promise<ServiceTask[]> {
  for (let attempt = 0; attempt < 120; attempt++) {
    const tasks = await engine.serviceTasks(serviceId);
    if (done(tasks)) return tasks;
    await sleep(500);
  }
  return engine.serviceTasks(serviceId);
}

test('swarm services and tasks', { skip }, async (t) => {
  const lab = ensureLab();
  const engine = new EngineClient(parseEndpoint(`unix://${lab.dockerSock}`, { name: 'lab-docker', kind: 'docker' }));
  const name = `bosun-test-svc-${process.pid}`;
  let initialised = false;
  t.after(async () => {
    dockerQuiet(lab, ['service', 'rm', name]);
    if (initialised) {
      dockerQuiet(lab, ['swarm', 'leave', '--force']);
      // swarm init created this bridge; leaving the swarm keeps it.
      dockerQuiet(lab, ['network', 'rm', 'docker_gwbridge']);
    }
    await engine.close();
  });

  initialised = await joinSwarm(lab, engine);
  const info = await engine.info();
  assert.equal(info.swarm.localNodeState, 'active');
  assert.equal(info.swarm.controlAvailable, true);
  assert.notEqual(info.swarm.nodeId, '');

  const id = docker(lab, ['service', 'create', '--detach', '--quiet', '--name', name, '--label', 'bosun.test=swarm', IMAGE, 'sleep', '300']).trim();

  const listed = (await engine.listServices({ filters: { label: ['bosun.test=swarm'] } })).find((service) => service.id === id);
  assert.ok(listed, `service ${id} not listed`);
  assert.equal(listed.name, name);
  assert.ok(listed.image.startsWith(`${IMAGE}@sha256:`), listed.image);
  assert.equal(listed.labels['bosun.test'], 'swarm');
  assert.ok(listed.version > 0);

  const service = await engine.inspectService(name);
  assert.equal(service.id, id);
  assert.equal(service.version, listed.version);
  const containerSpec = (service.spec['TaskTemplate'] as { ContainerSpec: { Args?: string[] } }).ContainerSpec;
  assert.deepEqual(containerSpec.Args, ['sleep', '300']);

  const tasks = await tasksUntil(engine, id, (all) => all.some((task) => task.state === 'running'));
  const running = tasks.find((task) => task.state === 'running');
  assert.ok(running, `no running task: ${tasks.map((task) => `${task.state} ${task.error ?? ''}`).join('; ')}`);
  assert.equal(running.serviceId, id);
  assert.equal(running.desiredState, 'running');
  assert.ok(running.containerId, 'running task without a container');
  assert.equal(running.image, listed.image);

  // Update a label with the current version; the old version then no longer applies.
  const spec = { ...service.spec, Labels: { ...listed.labels, 'bosun.test.updated': '1' } };
  const { warnings } = await engine.updateService(id, service.version, spec);
  assert.deepEqual(warnings, []);
  const updated = await engine.inspectService(id);
  assert.ok(updated.version > service.version);
  assert.equal(updated.labels['bosun.test.updated'], '1');
  // Docker 20.10 returns HTTP 500 "update out of sequence". The status differs between engines, so the check is on swarmkit's message.
  await assert.rejects(engine.updateService(id, service.version, spec), (error: unknown) => error instanceof EngineError && /out of sequence/.test(error.message));

  docker(lab, ['service', 'rm', name]);
  await assert.rejects(engine.inspectService(id), (error: unknown) => error instanceof EngineError && error.code === 'engine.not_found');
});
