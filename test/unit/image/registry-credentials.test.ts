import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { InputError } from '../../../src/common/errors.js';
import { authKeyRegistry, defaultDockerConfigPath, resolveCredentials } from '../../../src/image/registry/credentials.js';

const dir = mkdtempSync(path.join(tmpdir(), 'bosun-credentials-test-'));
let files = 0;

function configFile(content: unknown): string {
  const file = path.join(dir, `config-${files++}.json`);
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

function auth(username: string, password: string): string {
  return Buffer.from(`${username}:${password}`).toString('base64');
}

const keyForms: Array<{ key: string; registry: string }> = [
  { key: 'ghcr.io', registry: 'ghcr.io' },
  { key: 'https://ghcr.io', registry: 'ghcr.io' },
  { key: 'http://ghcr.io/', registry: 'ghcr.io' },
  { key: 'https://index.docker.io/v1/', registry: 'docker.io' },
  { key: 'index.docker.io', registry: 'docker.io' },
  { key: 'docker.io', registry: 'docker.io' },
  { key: 'registry-1.docker.io', registry: 'docker.io' },
  { key: '127.0.0.1:5001', registry: '127.0.0.1:5001' },
  { key: 'https://127.0.0.1:5001/v2/', registry: '127.0.0.1:5001' },
  { key: 'Registry.Example.com:443', registry: 'registry.example.com:443' },
];

for (const { key, registry } of keyForms) {
  test(`docker config key ${key}`, async () => {
    assert.equal(authKeyRegistry(key), registry);
    const file = configFile({ auths: { [key]: { auth: auth('user', 'pa:ss') } } });
    const lookup = await resolveCredentials(registry, { dockerConfigPath: file, env: {} });
    assert.deepEqual(lookup.credentials, { username: 'user', password: 'pa:ss' });
    assert.equal(lookup.source, file);
  });
}

test('docker config other registry', async () => {
  const file = configFile({ auths: { 'ghcr.io': { auth: auth('user', 'pw') } } });
  const lookup = await resolveCredentials('quay.io', { dockerConfigPath: file, env: {} });
  assert.equal(lookup.credentials, undefined);
  assert.deepEqual(lookup.warnings, []);
});

test('docker config username and password fields', async () => {
  const file = configFile({ auths: { 'ghcr.io': { username: 'bob', password: 'hunter2' } } });
  const lookup = await resolveCredentials('ghcr.io', { dockerConfigPath: file, env: {} });
  assert.deepEqual(lookup.credentials, { username: 'bob', password: 'hunter2' });
});

test('docker config credsStore warning', async () => {
  const file = configFile({ auths: { 'ghcr.io': {} }, credsStore: 'desktop' });
  const lookup = await resolveCredentials('ghcr.io', { dockerConfigPath: file, env: {} });
  assert.equal(lookup.credentials, undefined);
  assert.equal(lookup.warnings.length, 1);
  assert.equal(lookup.warnings[0]!.code, 'registry.credential_helper_unsupported');
  assert.match(lookup.warnings[0]!.message, /docker-credential-desktop/);
  assert.match(lookup.warnings[0]!.message, /ghcr\.io/);
});

test('docker config credHelpers warning', async () => {
  const file = configFile({ credHelpers: { '123.dkr.ecr.us-east-1.amazonaws.com': 'ecr-login' }, credsStore: 'pass' });
  const ecr = await resolveCredentials('123.dkr.ecr.us-east-1.amazonaws.com', { dockerConfigPath: file, env: {} });
  assert.match(ecr.warnings[0]!.message, /docker-credential-ecr-login/);
  const other = await resolveCredentials('ghcr.io', { dockerConfigPath: file, env: {} });
  assert.match(other.warnings[0]!.message, /docker-credential-pass/);
});

test('docker config auth entry beats credsStore', async () => {
  const file = configFile({ auths: { 'ghcr.io': { auth: auth('u', 'p') } }, credsStore: 'desktop' });
  const lookup = await resolveCredentials('ghcr.io', { dockerConfigPath: file, env: {} });
  assert.deepEqual(lookup.credentials, { username: 'u', password: 'p' });
  assert.deepEqual(lookup.warnings, []);
});

test('credential precedence', async () => {
  const file = configFile({ auths: { 'ghcr.io': { auth: auth('file', 'filepw') } } });
  const env = { BOSUN_REGISTRY_USERNAME: 'env', BOSUN_REGISTRY_PASSWORD: 'envpw' };

  const explicit = await resolveCredentials('ghcr.io', { username: 'opt', password: 'optpw', dockerConfigPath: file, env });
  assert.deepEqual(explicit.credentials, { username: 'opt', password: 'optpw' });
  assert.equal(explicit.source, 'options');

  const fromEnv = await resolveCredentials('ghcr.io', { dockerConfigPath: file, env });
  assert.deepEqual(fromEnv.credentials, { username: 'env', password: 'envpw' });
  assert.equal(fromEnv.source, 'environment');

  const fromFile = await resolveCredentials('ghcr.io', { dockerConfigPath: file, env: {} });
  assert.deepEqual(fromFile.credentials, { username: 'file', password: 'filepw' });
});

test('half-set credentials are rejected', async () => {
  await assert.rejects(resolveCredentials('ghcr.io', { username: 'opt', env: {} }), /a password is missing/);
  await assert.rejects(resolveCredentials('ghcr.io', { env: { BOSUN_REGISTRY_PASSWORD: 'x' } }), /BOSUN_REGISTRY_USERNAME.*a username is missing/);
});

test('username option takes env password', async () => {
  const lookup = await resolveCredentials('ghcr.io', { username: 'opt', env: { BOSUN_REGISTRY_PASSWORD: 'envpw' } });
  assert.deepEqual(lookup.credentials, { username: 'opt', password: 'envpw' });
  assert.equal(lookup.source, 'options');
});

test('DOCKER_CONFIG sets default path', () => {
  assert.equal(defaultDockerConfigPath({ DOCKER_CONFIG: '/etc/dc' }), '/etc/dc/config.json');
  assert.equal(defaultDockerConfigPath({ HOME: '/home/ann' }), '/home/ann/.docker/config.json');
});

test('DOCKER_CONFIG file is read', async () => {
  const configDir = mkdtempSync(path.join(dir, 'dc-'));
  writeFileSync(path.join(configDir, 'config.json'), JSON.stringify({ auths: { 'ghcr.io': { auth: auth('dc', 'dcpw') } } }));
  const lookup = await resolveCredentials('ghcr.io', { env: { DOCKER_CONFIG: configDir } });
  assert.deepEqual(lookup.credentials, { username: 'dc', password: 'dcpw' });
});

test('missing default config is anonymous', async () => {
  const lookup = await resolveCredentials('ghcr.io', { env: { DOCKER_CONFIG: path.join(dir, 'does-not-exist') } });
  assert.equal(lookup.credentials, undefined);
});

test('invalid docker configs', async () => {
  const cases: Array<{ file: string; message: RegExp }> = [
    { file: path.join(dir, 'does-not-exist.json'), message: /cannot read Docker config/ },
    { file: configFile('{not json'), message: /is not valid JSON/ },
    { file: configFile({ auths: { 'ghcr.io': { auth: 42 } } }), message: /is invalid: auths\.ghcr\.io\.auth/ },
    { file: configFile({ auths: { 'ghcr.io': { auth: Buffer.from('no-colon-secret').toString('base64') } } }), message: /"auth" value of "ghcr.io" is not base64/ },
  ];
  for (const { file, message } of cases) {
    await assert.rejects(resolveCredentials('ghcr.io', { dockerConfigPath: file, env: {} }), (error: unknown) => {
      assert.ok(error instanceof InputError, String(error));
      assert.match(error.message, message);
      assert.doesNotMatch(error.message, /no-colon-secret/, 'the secret stays out of the message');
      assert.ok(error.hint);
      return true;
    });
  }
});
