import assert from 'node:assert/strict';
import path from 'node:path';
import { homedir } from 'node:os';
import { test } from 'node:test';
import { InputError } from '../../../src/common/errors.js';
import { defaultEndpoint, isLoopbackHost, parseEndpoint, tlsFromCertPath } from '../../../src/engine/index.js';

const TLS = tlsFromCertPath('/etc/bosun/certs');

test('endpoint parsing accepts addresses', () => {
  const cases: Array<[string, Parameters<typeof parseEndpoint>[1], string]> = [
    ['unix:///var/run/docker.sock', {}, 'unix:///var/run/docker.sock'],
    ['/run/podman/podman.sock', {}, 'unix:///run/podman/podman.sock'],
    ['unix:///run//user/1000/../1000/docker.sock', {}, 'unix:///run/user/1000/docker.sock'],
    ['tcp://127.0.0.1:2375', {}, 'tcp://127.0.0.1:2375'],
    ['tcp://127.0.0.1', {}, 'tcp://127.0.0.1:2375'],
    ['tcp://localhost:2375', {}, 'tcp://localhost:2375'],
    ['tcp://[::1]:2375', {}, 'tcp://[::1]:2375'],
    ['  tcp://127.1.2.3:9999 ', {}, 'tcp://127.1.2.3:9999'],
    ['tcp://docker.example.net:2376', { tls: TLS }, 'tcp://docker.example.net:2376'],
    ['tcp://docker.example.net', { tls: TLS }, 'tcp://docker.example.net:2376'],
    ['tcp://[2001:db8::1]:2376', { tls: TLS }, 'tcp://[2001:db8::1]:2376'],
  ];
  for (const [input, options, url] of cases) {
    assert.equal(parseEndpoint(input, options).url, url, input);
  }
});

test('endpoint name, kind and tls', () => {
  assert.deepEqual(parseEndpoint('unix:///var/run/docker.sock'), { name: 'unix:///var/run/docker.sock', url: 'unix:///var/run/docker.sock', kind: 'unknown' });
  assert.deepEqual(parseEndpoint('/run/podman/podman.sock', { kind: 'podman' }), { name: 'podman', url: 'unix:///run/podman/podman.sock', kind: 'podman' });
  assert.deepEqual(parseEndpoint('tcp://build:2376', { name: 'build-host', kind: 'docker', tls: TLS }), {
    name: 'build-host',
    url: 'tcp://build:2376',
    kind: 'docker',
    tls: { ca: '/etc/bosun/certs/ca.pem', cert: '/etc/bosun/certs/cert.pem', key: '/etc/bosun/certs/key.pem' },
  });
});

test('endpoint parsing rejects addresses', () => {
  const cases: Array<[string, RegExp]> = [
    ['tcp://10.0.0.5:2375', /not a loopback address/],
    ['tcp://docker.example.net:2375', /not a loopback address/],
    ['tcp://0.0.0.0:2375', /not a loopback address/],
    ['tcp://[::ffff:10.0.0.1]:2375', /not a loopback address/],
    ['tcp://localhost.example.net:2375', /not a loopback address/],
    ['ssh://user@host', /unsupported engine address/],
    ['npipe:////./pipe/docker_engine', /unsupported engine address/],
    ['http://127.0.0.1:2375', /unsupported engine address/],
    ['docker.sock', /unsupported engine address/],
    ['unix://relative.sock', /expected an absolute path/],
    ['tcp://user:pw@127.0.0.1:2375', /only a host and a port/],
    ['tcp://127.0.0.1:2375/v1.41', /only a host and a port/],
    ['tcp://127.0.0.1:99999', /invalid engine address/],
  ];
  for (const [input, message] of cases) {
    assert.throws(() => parseEndpoint(input), (error: unknown) => error instanceof InputError && message.test(error.message), input);
  }
});

test('plain tcp rejection explains why', () => {
  try {
    parseEndpoint('tcp://10.0.0.5:2375');
    assert.fail('accepted plain TCP to a remote host');
  } catch (error) {
    assert.ok(error instanceof InputError);
    assert.match(error.hint ?? '', /root/);
    assert.match(error.hint ?? '', /TLS/);
  }
});

test('ssh rejection hints at forwarding', () => {
  assert.throws(() => parseEndpoint('ssh://user@host'), (error: unknown) => error instanceof InputError && /ssh -nNT -L/.test(error.hint ?? ''));
});

test('loopback host detection', () => {
  const cases: Array<[string, boolean]> = [
    ['127.0.0.1', true],
    ['127.255.0.9', true],
    ['::1', true],
    ['::ffff:127.0.0.1', true],
    ['localhost', true],
    ['10.0.0.1', false],
    ['::', false],
    ['128.0.0.1', false],
    ['127.example.net', false],
  ];
  for (const [host, expected] of cases) assert.equal(isLoopbackHost(host), expected, host);
});

test('default docker endpoint from environment', () => {
  assert.equal(defaultEndpoint('docker', {}).url, 'unix:///var/run/docker.sock');
  assert.equal(defaultEndpoint('docker', { DOCKER_HOST: '' }).url, 'unix:///var/run/docker.sock');
  assert.deepEqual(defaultEndpoint('docker', { DOCKER_HOST: 'unix:///tmp/d.sock' }), { name: 'docker', url: 'unix:///tmp/d.sock', kind: 'docker' });
  assert.deepEqual(defaultEndpoint('docker', { DOCKER_HOST: 'tcp://build:2376', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: '/certs' }).tls, tlsFromCertPath('/certs'));
  assert.deepEqual(defaultEndpoint('docker', { DOCKER_HOST: 'tcp://build:2376', DOCKER_TLS_VERIFY: '1' }).tls, tlsFromCertPath(path.join(homedir(), '.docker')));
  assert.throws(() => defaultEndpoint('docker', { DOCKER_HOST: 'tcp://build:2375' }), InputError);
});

test('default podman endpoint from environment', () => {
  assert.equal(defaultEndpoint('podman', {}).url, 'unix:///run/podman/podman.sock');
  assert.equal(defaultEndpoint('podman', { CONTAINER_HOST: 'unix:///run/user/1000/podman/podman.sock' }).url, 'unix:///run/user/1000/podman/podman.sock');
  const both = { CONTAINER_HOST: 'unix:///a.sock', BOSUN_PODMAN_HOST: 'unix:///b.sock', DOCKER_HOST: 'unix:///c.sock' };
  assert.equal(defaultEndpoint('podman', both).url, 'unix:///b.sock');
  assert.equal(defaultEndpoint('podman', both).kind, 'podman');
});
