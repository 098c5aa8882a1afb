import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Digest } from '../../../src/common/digest.js';
import { InputError } from '../../../src/common/errors.js';
import { recreateSpec, type ApiVersion, type ContainerConfig, type ContainerInspect } from '../../../src/engine/index.js';

const ID = 'abcdef123456' + '0'.repeat(52);

/** The image defaults lab/app:1 would give: PATH, a CMD, a healthcheck and two labels. */
const IMAGE: ContainerConfig = {
  image: undefined,
  env: ['PATH=/usr/bin:/bin'],
  cmd: ['/usr/local/bin/hello.sh'],
  entrypoint: undefined,
  labels: { 'org.opencontainers.image.version': '1', 'org.opencontainers.image.title': 'lab-app' },
  healthcheck: { Test: ['CMD-SHELL', 'test -f /built'], Interval: 5e9 },
  user: '',
  workingDir: '',
  exposedPorts: ['8080/tcp'],
};

function container(overrides: { config?: Record<string, unknown>; hostConfig?: Record<string, unknown>; networks?: ContainerInspect['networks']; mounts?: ContainerInspect['mounts'] } = {}): ContainerInspect {
  const rawConfig: Record<string, unknown> = {
    Hostname: ID.slice(0, 12),
    Domainname: '',
    User: '',
    Env: ['PATH=/usr/bin:/bin', 'MODE=prod'],
    Cmd: ['sleep', '300'],
    Entrypoint: null,
    Image: 'lab/app:1',
    Labels: { 'org.opencontainers.image.version': '1', 'org.opencontainers.image.title': 'lab-app', team: 'ops' },
    Healthcheck: { Test: ['CMD-SHELL', 'test -f /built'], Interval: 5e9 },
    WorkingDir: '',
    ExposedPorts: { '8080/tcp': {}, '9090/tcp': {} },
    Tty: false,
    StopSignal: 'SIGTERM',
    MacAddress: '02:42:ac:11:00:02',
    ...overrides.config,
  };
  const env = rawConfig['Env'] as string[];
  return {
    id: ID,
    name: 'web-1',
    imageId: 'sha256:1111111111111111111111111111111111111111111111111111111111111111' as Digest,
    created: new Date(0),
    state: { status: 'running', running: true, exitCode: 0, health: 'healthy', lastHealthOutput: undefined },
    config: {
      image: 'lab/app:1',
      env,
      cmd: rawConfig['Cmd'] as string[],
      entrypoint: undefined,
      labels: rawConfig['Labels'] as Record<string, string>,
      healthcheck: rawConfig['Healthcheck'] as ContainerConfig['healthcheck'],
      user: '',
      workingDir: '',
      exposedPorts: Object.keys(rawConfig['ExposedPorts'] as object),
    },
    networks: overrides.networks ?? {},
    mounts: overrides.mounts ?? [],
    compose: undefined,
    rawConfig,
    rawHostConfig: { NetworkMode: 'none', Binds: null, RestartPolicy: { Name: 'unless-stopped' }, ...overrides.hostConfig },
  };
}

test('recreate keeps config with a new image', () => {
  const { body, extraNetworks } = recreateSpec(container(), 'lab/app:2');
  assert.equal(body.Image, 'lab/app:2');
  assert.deepEqual(body['Env'], ['PATH=/usr/bin:/bin', 'MODE=prod']);
  assert.deepEqual(body['Cmd'], ['sleep', '300']);
  assert.deepEqual(body['Labels'], { 'org.opencontainers.image.version': '1', 'org.opencontainers.image.title': 'lab-app', team: 'ops' });
  assert.deepEqual(body['Healthcheck'], { Test: ['CMD-SHELL', 'test -f /built'], Interval: 5e9 });
  assert.equal(body['StopSignal'], 'SIGTERM');
  assert.deepEqual(body['HostConfig'], { NetworkMode: 'none', Binds: null, RestartPolicy: { Name: 'unless-stopped' } });
  assert.equal(body['NetworkingConfig'], undefined);
  assert.deepEqual(extraNetworks, []);
});

test('recreate drops runtime identity', () => {
  const { body } = recreateSpec(container(), 'lab/app:2');
  assert.equal('Hostname' in body, false, 'default hostname is the old short ID');
  assert.equal('MacAddress' in body, false);
  assert.equal('Entrypoint' in body, false, 'null entrypoint is left for the image');
  assert.equal(recreateSpec(container({ config: { Hostname: 'web' } }), 'x').body['Hostname'], 'web');
});

test('recreate copies rather than shares', () => {
  const inspect = container();
  const { body } = recreateSpec(inspect, 'lab/app:2');
  (body['Env'] as string[]).push('X=1');
  (body['HostConfig'] as Record<string, unknown>)['Privileged'] = true;
  assert.deepEqual(inspect.rawConfig['Env'], ['PATH=/usr/bin:/bin', 'MODE=prod']);
  assert.equal(inspect.rawHostConfig['Privileged'], undefined);
});

test('recreate leaves image defaults to the new image', () => {
  const { body } = recreateSpec(container(), 'lab/app:2', { imageDefaults: IMAGE });
  assert.deepEqual(body['Env'], ['MODE=prod']);
  assert.deepEqual(body['Labels'], { team: 'ops' });
  assert.deepEqual(body['Cmd'], ['sleep', '300'], 'an overridden Cmd stays');
  assert.equal('Healthcheck' in body, false);
  assert.equal('User' in body, false);
  assert.equal('WorkingDir' in body, false);
  assert.deepEqual(body['ExposedPorts'], { '9090/tcp': {} });
});

test('recreate cmd follows entrypoint', () => {
  const inherited = recreateSpec(container({ config: { Cmd: ['/usr/local/bin/hello.sh'] } }), 'x', { imageDefaults: IMAGE }).body;
  assert.equal('Cmd' in inherited, false, 'inherited Cmd goes');

  const ownEntrypoint = recreateSpec(container({ config: { Cmd: ['/usr/local/bin/hello.sh'], Entrypoint: ['/bin/sh', '-c'] } }), 'x', { imageDefaults: IMAGE }).body;
  assert.deepEqual(ownEntrypoint['Entrypoint'], ['/bin/sh', '-c']);
  assert.deepEqual(ownEntrypoint['Cmd'], ['/usr/local/bin/hello.sh'], 'Cmd stays with an overridden Entrypoint');
});

test('recreate keeps changed label values', () => {
  const labels = { 'org.opencontainers.image.version': '1-patched', team: 'ops' };
  const { body } = recreateSpec(container({ config: { Labels: labels } }), 'x', { imageDefaults: IMAGE });
  assert.deepEqual(body['Labels'], labels);
});

const NETWORKS: ContainerInspect['networks'] = {
  frontend: { aliases: ['web', ID.slice(0, 12)], links: [], ipamConfig: undefined, driverOpts: undefined, ipAddress: '172.18.0.5', macAddress: '02:42:ac:12:00:05' },
  backend: { aliases: [], links: ['db:database'], ipamConfig: { IPv4Address: '10.9.0.20' }, driverOpts: { 'com.example.opt': 'v' }, ipAddress: '10.9.0.20', macAddress: '02:42:0a:09:00:14' },
};

test('recreate networks on new engines', () => {
  const spec = recreateSpec(container({ hostConfig: { NetworkMode: 'backend' }, networks: NETWORKS }), 'x', { apiVersion: '1.44' as ApiVersion });
  assert.deepEqual(spec.body['NetworkingConfig'], {
    EndpointsConfig: {
      backend: { Links: ['db:database'], IPAMConfig: { IPv4Address: '10.9.0.20' }, DriverOpts: { 'com.example.opt': 'v' } },
      frontend: { Aliases: ['web'] },
    },
  });
  assert.deepEqual(spec.extraNetworks, []);
  assert.deepEqual(spec.notCarried, ['address 172.18.0.5 on network frontend was assigned by the engine; the new container gets a new one']);
});

test('recreate networks on old engines', () => {
  for (const apiVersion of ['1.41' as ApiVersion, undefined]) {
    const spec = recreateSpec(container({ hostConfig: { NetworkMode: 'frontend' }, networks: NETWORKS }), 'x', { apiVersion });
    assert.deepEqual(spec.body['NetworkingConfig'], { EndpointsConfig: { frontend: { Aliases: ['web'] } } }, String(apiVersion));
    assert.deepEqual(spec.extraNetworks, [
      { network: 'backend', endpointConfig: { Links: ['db:database'], IPAMConfig: { IPv4Address: '10.9.0.20' }, DriverOpts: { 'com.example.opt': 'v' } } },
    ]);
  }
});

test('recreate shared network modes', () => {
  for (const mode of ['host', 'none', 'container:db']) {
    const spec = recreateSpec(container({ hostConfig: { NetworkMode: mode }, networks: NETWORKS }), 'x', { apiVersion: '1.47' as ApiVersion });
    assert.equal(spec.body['NetworkingConfig'], undefined, mode);
    assert.deepEqual(spec.extraNetworks, [], mode);
    assert.equal((spec.body['HostConfig'] as Record<string, unknown>)['NetworkMode'], mode);
  }
});

test('recreate reuses anonymous volumes', () => {
  const anonymous = 'f'.repeat(64);
  const spec = recreateSpec(
    container({
      hostConfig: { Binds: ['/srv/conf:/etc/app:ro'], Mounts: [{ Type: 'volume', Source: 'cache', Target: '/cache' }] },
      mounts: [
        { type: 'bind', name: '', source: '/srv/conf', destination: '/etc/app', readWrite: false },
        { type: 'volume', name: 'cache', source: '/var/lib/docker/volumes/cache/_data', destination: '/cache', readWrite: true },
        { type: 'volume', name: anonymous, source: `/var/lib/docker/volumes/${anonymous}/_data`, destination: '/data', readWrite: true },
      ],
    }),
    'x',
  );
  assert.deepEqual((spec.body['HostConfig'] as Record<string, unknown>)['Mounts'], [
    { Type: 'volume', Source: 'cache', Target: '/cache' },
    { Type: 'volume', Source: anonymous, Target: '/data', ReadOnly: false },
  ]);
});

test('recreate notes volumes-from mounts', () => {
  const spec = recreateSpec(
    container({
      hostConfig: { VolumesFrom: ['data-1'] },
      mounts: [{ type: 'volume', name: 'v1', source: '/x', destination: '/data', readWrite: true }],
    }),
    'x',
  );
  assert.equal((spec.body['HostConfig'] as Record<string, unknown>)['Mounts'], undefined);
  assert.equal(spec.notCarried.length, 1);
  assert.match(spec.notCarried[0]!, /volumes-from/);
});

test('recreate rejects swarm tasks', () => {
  const inspect = container();
  inspect.config.labels = { 'com.docker.swarm.task.id': 't1' };
  assert.throws(() => recreateSpec(inspect, 'x'), InputError);
});
