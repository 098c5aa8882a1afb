import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { InputError } from '../../../src/common/errors.js';
import { isLoopbackListen, loadConfig, parseDuration, parseListen } from '../../../src/config/index.js';

const dir = mkdtempSync(path.join(tmpdir(), 'bosun-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function writeConfig(name: string, text: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
}

/** Loads `text` and returns the InputError message it raises. */
function errorOf(text: string, name = 'bad.yaml'): string {
  const file = writeConfig(name, text);
  try {
    loadConfig({ file, env: {} });
  } catch (error) {
    assert.ok(error instanceof InputError, `expected an InputError, got ${String(error)}`);
    return error.message;
  }
  assert.fail('the config loaded');
}

const FULL = `
listen: 127.0.0.1:9100
dataDir: data
engines:
  - name: local
    url: unix:///var/run/docker.sock
  - name: remote
    url: tcp://build.example.com:2376
    tls: { ca: certs/ca.pem, cert: certs/cert.pem, key: certs/key.pem }
concurrency: 4
sync:
  schedule: "0 5 * * *"
  source: osv
resyncInterval: 10m
channels:
  - name: ops
    type: webhook
    secret: 0123456789abcdef0123
    url: http://127.0.0.1:9999/hook
digest: { schedule: "0 8 * * 1" }
policy: policy.yaml
log: { level: debug }
`;

describe('config file', () => {
  test('full example loads', () => {
    const config = loadConfig({ file: writeConfig('full.yaml', FULL), env: {} });
    assert.deepEqual(config.listen, { host: '127.0.0.1', port: 9100 });
    assert.equal(config.dataDir, path.join(dir, 'data'));
    assert.deepEqual(config.engines.map((engine) => [engine.name, engine.url]), [
      ['local', 'unix:///var/run/docker.sock'],
      ['remote', 'tcp://build.example.com:2376'],
    ]);
    assert.equal(config.engines[1]!.tls?.ca, path.join(dir, 'certs/ca.pem'));
    assert.equal(config.concurrency, 4);
    assert.deepEqual(config.sync, { schedule: '0 5 * * *', source: path.join(dir, 'osv') });
    assert.equal(config.resyncIntervalMs, 600_000);
    assert.deepEqual(config.channels.map((channel) => [channel.name, channel.type]), [['ops', 'webhook']]);
    assert.deepEqual(config.digest, { schedule: '0 8 * * 1' });
    assert.equal(config.policy, path.join(dir, 'policy.yaml'));
    assert.equal(config.logLevel, 'debug');
  });

  test('merge keys share channel settings', () => {
    const text = `channels:\n  - &base\n    name: one\n    type: webhook\n    url: http://127.0.0.1:1/a\n    secret: 0123456789abcdef0123\n  - <<: *base\n    name: two\n`;
    const config = loadConfig({ file: writeConfig('merge.yaml', text), env: {} });
    assert.deepEqual(config.channels.map((channel) => channel.name), ['one', 'two']);
  });

  test('defaults without a file', () => {
    const config = loadConfig({ env: { BOSUN_DATA_DIR: dir } });
    assert.equal(config.file, undefined);
    assert.deepEqual(config.listen, { host: '127.0.0.1', port: 8780 });
    assert.equal(config.dataDir, dir);
    assert.equal(config.concurrency, 2);
    assert.equal(config.sync.schedule, '17 3 * * *');
    assert.match(config.sync.source, /^https:\/\//);
    assert.equal(config.logLevel, 'info');
    assert.equal(config.engines.length, 1, 'the Docker endpoint from the environment');
  });
});

describe('config errors name key and line', () => {
  const cases: Array<{ name: string; text: string; expected: RegExp }> = [
    { name: 'unknown top key', text: 'listen: 127.0.0.1:1\nlisen: x\n', expected: /bad\.yaml:2:1: lisen: unknown key lisen/ },
    { name: 'bad cron', text: 'sync:\n  schedule: every day\n', expected: /:2:3: sync\.schedule: invalid cron expression/ },
    { name: 'engine url', text: 'engines:\n  - name: a\n    url: ftp://host\n', expected: /:3:5: engines\[0\]\.url: unsupported engine address "ftp:\/\/host"/ },
    { name: 'engine without name', text: 'engines:\n  - url: unix:///x.sock\n', expected: /:2:5: engines\[0\]\.name: / },
    { name: 'plain tcp to remote host', text: 'engines:\n  - name: a\n    url: tcp://192.0.2.1:2375\n', expected: /engines\[0\]\.url: plain tcp:\/\// },
    { name: 'duplicate engine', text: 'engines:\n  - name: a\n    url: unix:///a.sock\n  - name: a\n    url: unix:///b.sock\n', expected: /:5:5: engines\[1\]\.url: duplicate engine name "a"/ },
    { name: 'concurrency type', text: 'concurrency: many\n', expected: /:1:1: concurrency: / },
    { name: 'concurrency range', text: 'concurrency: 0\n', expected: /concurrency: Too small/ },
    { name: 'duration', text: 'resyncInterval: soon\n', expected: /:1:1: resyncInterval: invalid duration/ },
    { name: 'listen', text: 'listen: nowhere\n', expected: /:1:1: listen: invalid listen address "nowhere"/ },
    { name: 'listen type', text: 'listen: 8780\n', expected: /:1:1: listen: Invalid input: expected string/ },
    { name: 'log level', text: 'log:\n  level: loud\n', expected: /:2:3: log\.level: / },
    { name: 'channel field', text: 'channels:\n  - name: hook\n    type: webhook\n    url: http://127.0.0.1:1/x\n    secret: short\n', expected: /:2:5: channels\[0\]: invalid config for webhook channel "hook": secret: must be at least 16 characters/ },
    { name: 'channel type', text: 'channels:\n  - name: hook\n    type: pigeon\n', expected: /channels\[0\]: notification channel "hook" has unknown type "pigeon"/ },
    { name: 'database url', text: 'databaseUrl: mysql://x\n', expected: /:1:1: databaseUrl: expected a postgres/ },
    { name: 'yaml syntax', text: 'listen: [\n', expected: /bad\.yaml:\d+:\d+: invalid YAML/ },
    { name: 'duplicate key', text: 'listen: 127.0.0.1:1\nlisten: 127.0.0.1:2\n', expected: /bad\.yaml:2:1: invalid YAML/ },
  ];
  for (const { name, text, expected } of cases) {
    test(name, () => {
      assert.match(errorOf(text), expected);
    });
  }

  test('channel secrets stay out of messages', () => {
    const message = errorOf('channels:\n  - name: hook\n    type: webhook\n    url: http://127.0.0.1:1/x\n    secret: hunter2-secret\n');
    assert.doesNotMatch(message, /hunter2/);
  });

  test('missing file', () => {
    assert.throws(() => loadConfig({ file: path.join(dir, 'absent.yaml'), env: {} }), (error: unknown) => error instanceof InputError && /cannot read config file/.test(error.message));
  });
});

describe('overrides', () => {
  const file = writeConfig('base.yaml', 'listen: 127.0.0.1:9000\ndataDir: from-file\nlog:\n  level: warn\nengines:\n  - name: file\n    url: unix:///file.sock\n');

  test('environment wins over the file', () => {
    const config = loadConfig({
      file,
      env: {
        BOSUN_LISTEN: '127.0.0.1:9001',
        BOSUN_DATA_DIR: '/srv/bosun',
        BOSUN_DATABASE_URL: 'postgres://bosun@127.0.0.1/bosun',
        BOSUN_LOG_LEVEL: 'error',
        BOSUN_TOKEN: 'bosun_env',
        BOSUN_ENGINES: 'unix:///run/podman/podman.sock, build=tcp://127.0.0.1:2375',
      },
    });
    assert.deepEqual(config.listen, { host: '127.0.0.1', port: 9001 });
    assert.equal(config.dataDir, '/srv/bosun');
    assert.equal(config.databaseUrl, 'postgres://bosun@127.0.0.1/bosun');
    assert.equal(config.logLevel, 'error');
    assert.equal(config.token, 'bosun_env');
    assert.deepEqual(config.engines.map((engine) => [engine.name, engine.url]), [
      ['podman', 'unix:///run/podman/podman.sock'],
      ['build', 'tcp://127.0.0.1:2375'],
    ]);
  });

  test('flags win over the environment', () => {
    const config = loadConfig({
      file,
      env: { BOSUN_LISTEN: '127.0.0.1:9001', BOSUN_ENGINES: 'unix:///env.sock' },
      flags: { listen: '[::1]:9002', engines: ['unix:///flag.sock', 'unix:///other/flag.sock'], dataDir: '/flag' },
    });
    assert.deepEqual(config.listen, { host: '::1', port: 9002 });
    assert.equal(config.dataDir, '/flag');
    assert.deepEqual(config.engines.map((engine) => engine.name), ['flag', 'flag-2']);
  });

  test('invalid BOSUN_LOG_LEVEL', () => {
    assert.throws(() => loadConfig({ env: { BOSUN_LOG_LEVEL: 'loud' } }), /invalid BOSUN_LOG_LEVEL "loud"/);
  });

  test('token is never read from the file', () => {
    assert.match(errorOf('token: bosun_in_file\n', 'token.yaml'), /unknown key token/);
  });
});

describe('listen and durations', () => {
  const listens: Array<[string, { host: string; port: number } | undefined, boolean]> = [
    ['127.0.0.1:8780', { host: '127.0.0.1', port: 8780 }, true],
    ['[::1]:80', { host: '::1', port: 80 }, true],
    ['localhost:1', { host: 'localhost', port: 1 }, true],
    ['0.0.0.0:8780', { host: '0.0.0.0', port: 8780 }, false],
    ['192.0.2.5:8780', { host: '192.0.2.5', port: 8780 }, false],
    ['example.com:80', undefined, false],
    ['127.0.0.1:70000', undefined, false],
    ['[127.0.0.1]:80', undefined, false],
    ['127.0.0.1', undefined, false],
  ];
  for (const [text, expected, loopback] of listens) {
    test(`listen ${text}`, () => {
      if (expected === undefined) {
        assert.throws(() => parseListen(text), InputError);
        return;
      }
      const address = parseListen(text);
      assert.deepEqual(address, expected);
      assert.equal(isLoopbackListen(address), loopback);
    });
  }

  const durations: Array<[string | number, number | undefined]> = [
    ['90s', 90_000], ['15m', 900_000], ['6h', 21_600_000], ['1d', 86_400_000], ['250ms', 250], [30, 30_000], ['45', 45_000],
    ['0s', undefined], ['31d', undefined], ['1w', undefined], ['-5m', undefined], ['', undefined],
  ];
  for (const [text, expected] of durations) {
    test(`duration ${String(text) || '(empty)'}`, () => {
      assert.equal(parseDuration(text), expected);
    });
  }
});

describe('docs', () => {
  test('docs/config.md example loads', () => {
    const markdown = readFileSync(path.join(import.meta.dirname, '../../../docs/config.md'), 'utf8');
    const example = /```yaml\n([\s\S]*?)```/.exec(markdown)?.[1];
    assert.ok(example, 'no yaml block in docs/config.md');
    const config = loadConfig({ file: writeConfig('docs.yaml', example), env: {} });
    assert.deepEqual(config.engines.map((engine) => engine.name), ['local', 'podman', 'build-host']);
    assert.deepEqual(config.channels.map((channel) => `${channel.name}:${channel.type}`), ['ops-webhook:webhook', 'security-webhook:webhook', 'phone:ntfy']);
    assert.equal(config.policy, '/etc/bosun/policy.yaml');
  });
});
