import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { EngineError } from '../../src/common/errors.js';
import { CLIENT_API_VERSION, EngineClient, compareApiVersions, parseEndpoint, type EngineEvent } from '../../src/engine/index.js';
import { docker, ensureLab, labDir, labSkipReason, type Lab } from '../helpers/lab.js';

const skip = labSkipReason();
const prefix = `bosun-test-engine-${process.pid}`;

function client(lab: Lab): EngineClient {
  return new EngineClient(parseEndpoint(`unix://${lab.dockerSock}`, { name: 'lab-docker', kind: 'docker' }));
}

/** Runs the docker CLI for cleanup: output discarded, failures ignored (the object may be gone already). */
function dockerQuiet(lab: Lab, args: string[]): void {
  spawnSync('docker', args, {
    stdio: 'ignore',
    env: { ...process.env, DOCKER_HOST: `unix://${lab.dockerSock}`, DOCKER_CONFIG: path.join(labDir, 'etc/docker-client') },
    timeout: 60_000,
  });
}

/** Removes containers (with their anonymous volumes) and networks by name. */
function removeAll(lab: Lab, containers: string[], networks: string[] = []): void {
  if (containers.length > 0) dockerQuiet(lab, ['rm', '-f', '-v', ...containers]);
  if (networks.length > 0) dockerQuiet(lab, ['network', 'rm', ...networks]);
}

test('docker ping and version', { skip }, async (t) => {
  const lab = ensureLab();
  const engine = client(lab);
  t.after(() => engine.close());

  await engine.ping();
  const version = await engine.version();
  const expected = JSON.parse(docker(lab, ['version', '--format', '{{json .Server}}'])) as { Version: string; ApiVersion: string };
  assert.equal(version.kind, 'docker');
  assert.equal(version.version, expected.Version);
  assert.equal(version.apiVersion, expected.ApiVersion);
  const lower = compareApiVersions(version.apiVersion, CLIENT_API_VERSION) < 0 ? version.apiVersion : CLIENT_API_VERSION;
  assert.equal(await engine.apiVersion(), lower);

  const info = await engine.info();
  assert.ok(['inactive', 'active', 'pending', 'error', 'locked'].includes(info.swarm.localNodeState), info.swarm.localNodeState);
});

test('docker lists and inspects a container', { skip }, async (t) => {
  const lab = ensureLab();
  const engine = client(lab);
  const name = `${prefix}-list`;
  t.after(async () => {
    removeAll(lab, [name]);
    await engine.close();
  });

  const id = docker(lab, [
    'run', '-d', '--network', 'none', '--name', name,
    '-e', 'MODE=test', '-l', 'bosun.test=list',
    '-l', 'com.docker.compose.project=bosun-test', '-l', 'com.docker.compose.service=web',
    'lab/app:1', 'sleep', '300',
  ]).trim();
  const image = await engine.inspectImage('lab/app:1');

  const rows = await engine.listContainers({ filters: { label: ['bosun.test=list'] } });
  const row = rows.find((entry) => entry.id === id);
  assert.ok(row, `container ${id} not listed`);
  assert.deepEqual(row.names, [name]);
  assert.equal(row.image, 'lab/app:1');
  assert.equal(row.imageId, image.id);
  assert.equal(row.state, 'running');
  assert.equal(row.labels['bosun.test'], 'list');
  assert.equal(row.labels['org.opencontainers.image.title'], 'lab-app');

  const inspect = await engine.inspectContainer(name);
  assert.equal(inspect.id, id);
  assert.equal(inspect.name, name);
  assert.equal(inspect.imageId, image.id);
  assert.equal(inspect.state.running, true);
  assert.ok(inspect.config.env.includes('MODE=test'));
  assert.deepEqual(inspect.config.cmd, ['sleep', '300']);
  assert.deepEqual(inspect.config.healthcheck?.Test, ['CMD-SHELL', 'test -f /built || exit 1']);
  assert.deepEqual(inspect.compose, { project: 'bosun-test', service: 'web' });
  assert.equal(inspect.rawHostConfig['NetworkMode'], 'none');
  assert.deepEqual(Object.keys(inspect.networks), ['none']);

  const stopped = await engine.listContainers({ all: false, filters: { label: ['bosun.test=list'], status: ['exited'] } });
  assert.equal(stopped.some((entry) => entry.id === id), false);
});

test('docker inspects an image', { skip }, async (t) => {
  const lab = ensureLab();
  const engine = client(lab);
  t.after(() => engine.close());

  const image = await engine.inspectImage('lab/app:1');
  const expected = JSON.parse(docker(lab, ['image', 'inspect', 'lab/app:1', '--format', '{{json .}}'])) as {
    Id: string;
    RootFS: { Layers: string[] };
    RepoDigests: string[];
  };
  assert.equal(image.id, expected.Id);
  assert.deepEqual(image.diffIds, expected.RootFS.Layers);
  assert.equal(image.diffIds[0], lab.baseDiffId);
  assert.ok(image.repoDigests.some((entry) => entry.endsWith(`@${lab.appDigest}`)), image.repoDigests.join(', '));
  assert.ok(image.repoTags.includes('lab/app:1'));
  assert.equal(image.labels['org.opencontainers.image.version'], '1');
  assert.equal(image.os, 'linux');
  assert.ok(image.architecture !== '');

  const listed = (await engine.listImages()).find((entry) => entry.id === image.id);
  assert.ok(listed, 'lab/app:1 not in the image list');
  assert.ok(listed.repoTags.includes('lab/app:1'));

  await assert.rejects(engine.inspectImage('bosun-test/no-such-image:1'), (error: unknown) => error instanceof EngineError && error.code === 'engine.not_found');
});

test('docker events for a container lifecycle', { skip }, async (t) => {
  const lab = ensureLab();
  const engine = client(lab);
  const name = `${prefix}-events`;
  t.after(async () => {
    removeAll(lab, [name]);
    await engine.close();
  });

  const controller = new AbortController();
  const since = new Date(Date.now() - 1000);
  const seen: EngineEvent[] = [];
  const watching = (async () => {
    for await (const event of engine.events({ since, filters: { type: ['container'], container: [name] }, signal: controller.signal })) {
      seen.push(event);
      if (event.action === 'destroy') controller.abort();
    }
  })();

  docker(lab, ['run', '-d', '--network', 'none', '--name', name, 'lab/app:1', 'sleep', '300']);
  docker(lab, ['rm', '-f', name]);
  const guard = setTimeout(() => controller.abort(), 60_000);
  await watching;
  clearTimeout(guard);

  const actions = seen.map((event) => event.action);
  for (const action of ['create', 'start', 'die', 'destroy']) assert.ok(actions.includes(action), `no ${action} in ${actions.join(', ')}`);
  assert.ok(actions.indexOf('create') < actions.indexOf('start'));
  assert.ok(actions.indexOf('die') < actions.indexOf('destroy'));
  assert.ok(seen.every((event) => event.type === 'container' && event.actor.attributes['name'] === name));
  assert.ok(seen.every((event) => event.timeNano >= BigInt(since.getTime()) * 1_000_000n));
});

test('docker recreate with a new image', { skip }, async (t) => {
  const lab = ensureLab();
  const engine = client(lab);
  const name = `${prefix}-recreate`;
  const oldName = `${name}-old`;
  const networks = [`${prefix}-front`, `${prefix}-back`];
  const newTag = `bosun-test/engine-app:${process.pid}`;
  const dir = mkdtempSync(path.join(tmpdir(), 'bosun-engine-it-'));
  t.after(async () => {
    removeAll(lab, [name, oldName], networks);
    dockerQuiet(lab, ['rmi', '-f', newTag]);
    rmSync(dir, { recursive: true, force: true });
    await engine.close();
  });

  // The new image differs from lab/app:1 in a label and an env default.
  writeFileSync(path.join(dir, 'Dockerfile'), 'FROM lab/app:1\nENV APP_RELEASE=2\nLABEL org.opencontainers.image.version=2\n');
  docker(lab, ['build', '-q', '--network', 'none', '-t', newTag, dir]);
  for (const network of networks) docker(lab, ['network', 'create', '--internal', network]);

  const created = await engine.createContainer(name, {
    Image: 'lab/app:1',
    Cmd: ['sleep', '300'],
    Env: ['MODE=recreate', 'SECRET_FILE=/run/secrets/x'],
    Labels: { 'bosun.test': 'recreate', 'com.docker.compose.project': 'bosun-test' },
    Healthcheck: { Test: ['CMD-SHELL', 'test -f /built'], Interval: 1_000_000_000, Timeout: 2_000_000_000, Retries: 3 },
    WorkingDir: '/tmp',
    HostConfig: { NetworkMode: networks[0], RestartPolicy: { Name: 'unless-stopped' } },
    NetworkingConfig: { EndpointsConfig: { [networks[0]!]: { Aliases: ['web'] } } },
  });
  await engine.connectNetwork(networks[1]!, created.id, { Aliases: ['web-back'] });
  await engine.startContainer(created.id);
  const old = await engine.waitHealthy(created.id, { timeoutMs: 60_000, intervalMs: 250 });

  // The rollout order: plan, rename the old one away, stop it, create and start the new one.
  const spec = await engine.planRecreate(old, newTag);
  await engine.renameContainer(created.id, oldName);
  await engine.stopContainer(created.id, 5);
  const replacement = await engine.createFromSpec(name, spec);
  await engine.startContainer(replacement.id);
  const fresh = await engine.waitHealthy(replacement.id, { timeoutMs: 60_000, intervalMs: 250 });
  const newImage = await engine.inspectImage(newTag);

  assert.notEqual(fresh.id, old.id);
  assert.equal(fresh.name, name);
  assert.equal(fresh.imageId, newImage.id);
  assert.equal(fresh.state.health, 'healthy');
  assert.deepEqual(fresh.config.cmd, ['sleep', '300']);
  assert.equal(fresh.config.workingDir, '/tmp');
  for (const entry of ['MODE=recreate', 'SECRET_FILE=/run/secrets/x', 'APP_RELEASE=2']) assert.ok(fresh.config.env.includes(entry), `env lacks ${entry}`);
  assert.equal(fresh.config.labels['bosun.test'], 'recreate');
  assert.equal(fresh.config.labels['com.docker.compose.project'], 'bosun-test');
  assert.equal(fresh.config.labels['org.opencontainers.image.version'], '2', 'the new image label must win over the old default');
  assert.equal(fresh.config.healthcheck?.Interval, 1_000_000_000);
  assert.deepEqual((fresh.rawHostConfig['RestartPolicy'] as { Name: string }).Name, 'unless-stopped');
  assert.deepEqual(Object.keys(fresh.networks).sort(), [...networks].sort());
  assert.ok(fresh.networks[networks[0]!]!.aliases.includes('web'));
  assert.ok(fresh.networks[networks[1]!]!.aliases.includes('web-back'));
  assert.equal(fresh.networks[networks[0]!]!.aliases.includes(old.id.slice(0, 12)), false, 'old short ID alias carried over');

  await engine.removeContainer(oldName, { force: true });
  await assert.rejects(engine.inspectContainer(oldName), (error: unknown) => error instanceof EngineError && error.code === 'engine.not_found');
});

test('docker create with a taken name', { skip }, async (t) => {
  const lab = ensureLab();
  const engine = client(lab);
  const name = `${prefix}-taken`;
  t.after(async () => {
    removeAll(lab, [name]);
    await engine.close();
  });

  docker(lab, ['create', '--network', 'none', '--name', name, 'lab/app:1', 'sleep', '300']);
  const body = { Image: 'lab/app:1', Cmd: ['sleep', '300'], HostConfig: { NetworkMode: 'none' } };
  await assert.rejects(engine.createContainer(name, body), (error: unknown) => error instanceof EngineError && error.code === 'engine.conflict' && error.status === 409);
  await assert.rejects(engine.createContainer(`${name}-2`, { ...body, Image: 'bosun-test/no-such-image:1' }), (error: unknown) => error instanceof EngineError && error.code === 'engine.not_found');
});

test('missing socket names the fix', { skip }, async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'bosun-engine-it-'));
  const engine = new EngineClient(parseEndpoint(path.join(dir, 'docker.sock')));
  t.after(async () => {
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  });

  try {
    await engine.version();
    assert.fail('version() succeeded without a socket');
  } catch (error) {
    assert.ok(error instanceof EngineError, String(error));
    assert.equal(error.code, 'engine.socket_missing');
    assert.equal(error.endpoint, `unix://${dir}/docker.sock`);
    assert.match(error.message, /docker\.sock/);
    assert.match(error.hint ?? '', /DOCKER_HOST/);
  }
});
