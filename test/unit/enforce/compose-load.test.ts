import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ComposeError, loadComposeProject, longPorts, longVolume, mergeService, type ComposeProject } from '../../../src/enforce/compose/index.js';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/compose');
const fixture = (...parts: string[]): string => path.join(fixtures, ...parts);

function serviceConfig(project: ComposeProject, name: string): Record<string, unknown> {
  const service = project.services.find((entry) => entry.name === name);
  assert.ok(service, `service ${name} is missing`);
  return service.config;
}

async function loadError(files: string[], environment: Record<string, string> = {}): Promise<ComposeError> {
  try {
    await loadComposeProject({ files, environment });
  } catch (error) {
    assert.ok(error instanceof ComposeError, `expected a ComposeError, got ${String(error)}`);
    return error;
  }
  assert.fail(`loading ${files.join(', ')} succeeded`);
}

test('override file merges by compose rules', async () => {
  const project = await loadComposeProject({ files: [fixture('merge/compose.yaml'), fixture('merge/compose.override.yaml')], environment: {} });
  const web = serviceConfig(project, 'web');

  assert.deepEqual(web['command'], ['serve', '--debug'], 'command is replaced, not appended');
  assert.deepEqual(web['environment'], { MODE: 'production', LOG: 'debug', EXTRA: '1' }, 'list and mapping forms merge by key');
  assert.deepEqual(web['dns'], ['1.1.1.1', '8.8.8.8'], 'plain sequences append');
  assert.deepEqual(web['ports'], [
    { mode: 'ingress', target: 80, protocol: 'tcp', published: '8080' },
    { mode: 'host', target: 90, protocol: 'udp', host_ip: '127.0.0.1', published: '9090' },
    { mode: 'ingress', target: 80, protocol: 'tcp', published: '8081' },
  ]);
  assert.deepEqual(web['volumes'], [
    { type: 'bind', source: fixture('merge/other'), target: '/data', read_only: true, bind: { create_host_path: true } },
    { type: 'volume', source: 'cache', target: '/cache' },
  ], 'volumes merge by target');
  assert.deepEqual(project.model['volumes'], { cache: {} });
  assert.equal(project.name, 'merge');

  const worker = project.services.find((service) => service.name === 'worker');
  assert.deepEqual(worker?.build, { context: fixture('merge/worker'), dockerfile: fixture('merge/worker/Dockerfile'), dockerfileInline: undefined, args: {}, target: undefined });
});

test('include loads projects with their own env', async () => {
  const project = await loadComposeProject({ files: [fixture('include/compose.yaml')], environment: {} });
  assert.deepEqual(project.services.map((service) => [service.name, service.image]), [
    ['db', 'lab/db:15'],
    ['cache', 'lab/cache:8'],
    ['web', 'lab/app:1'],
  ]);
  assert.equal(project.services[0]!.build?.context, fixture('include/sub/db'), 'paths count from the included project directory');
  assert.deepEqual(project.model['networks'], { backend: {} });
  assert.ok(!('include' in project.model));
  assert.ok(project.files.includes(fixture('include/other/compose.yaml')));
});

test('include conflict is an error', async () => {
  const error = await loadError([fixture('bad/conflict.yaml')]);
  assert.equal(error.line, 4);
  assert.match(error.message, /services\.cache is defined here and by an included project/);
});

test('include cycle is an error', async () => {
  const error = await loadError([fixture('include-cycle/a.yaml')]);
  assert.match(error.message, /include cycle: a\.yaml -> b\.yaml -> a\.yaml/);
  assert.equal(error.line, 2);
});

test('extends in the same file and another', async () => {
  const project = await loadComposeProject({ files: [fixture('extends/compose.yaml')], environment: {} });
  assert.deepEqual(serviceConfig(project, 'middle'), {
    image: 'lab/debian:bookworm',
    environment: { LEVEL: 'middle', MIDDLE: 'yes' },
    command: ['sleep', '1'],
  });
  assert.deepEqual(serviceConfig(project, 'leaf')['command'], ['sleep', '2']);
  assert.deepEqual(serviceConfig(project, 'leaf')['environment'], { LEVEL: 'middle', MIDDLE: 'yes' }, 'extends is followed recursively');

  const built = project.services.find((service) => service.name === 'built')!;
  assert.equal(built.build?.context, fixture('extends/common/ctx'), 'a base from another file keeps its own directory');
  assert.equal(built.build?.dockerfile, fixture('extends/common/ctx/Dockerfile.app'));
  assert.deepEqual(built.build?.args, { BASE: 'bookworm', EXTRA: '1' });
  assert.deepEqual((built.config['volumes'] as Array<{ source: string }>)[0]!.source, fixture('extends/common/shared'));
  assert.ok(!('extends' in built.config));
});

test('extends cycles are errors', async () => {
  const sameFile = await loadError([fixture('extends-cycle/compose.yaml')]);
  assert.match(sameFile.message, /extends cycle: a -> b -> c -> a/);
  assert.equal(sameFile.line, 3);

  const acrossFiles = await loadError([fixture('extends-cycle/across.yaml')]);
  assert.match(acrossFiles.message, /extends cycle: one -> two -> one/);
});

test('extends of a missing service', async () => {
  const directory = await mkdtemp(path.join(tmpdir(), 'bosun-compose-'));
  try {
    const file = path.join(directory, 'compose.yaml');
    await writeFile(file, 'services:\n  app:\n    extends: nowhere\n');
    const error = await loadError([file]);
    assert.match(error.message, /extends "nowhere", which is not defined in this file/);
    assert.equal(error.line, 3);
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
});

test('merge keys and anchors', async () => {
  const project = await loadComposeProject({ files: [fixture('anchors/compose.yaml')], environment: {} });
  assert.deepEqual(serviceConfig(project, 'one'), {
    image: 'lab/debian:bookworm',
    restart: 'unless-stopped',
    environment: { TZ: 'UTC' },
    logging: { driver: 'json-file' },
    command: ['one'],
  });
  assert.deepEqual(serviceConfig(project, 'two'), {
    image: 'lab/debian:bookworm',
    restart: 'no',
    environment: { TZ: 'UTC', EXTRA: '2' },
  });
});

test('profiles select services', async () => {
  const cases: Array<[string[] | undefined, Record<string, string>, string[]]> = [
    [undefined, {}, ['app']],
    [['debug'], {}, ['app', 'debug', 'tools']],
    [['tools'], {}, ['app', 'tools']],
    [['ops', 'tools'], {}, ['app', 'tools', 'ops']],
    [['*'], {}, ['app', 'debug', 'tools', 'ops']],
    [undefined, { COMPOSE_PROFILES: 'ops, debug' }, ['app', 'debug', 'tools', 'ops']],
    [['tools'], { COMPOSE_PROFILES: 'ops' }, ['app', 'tools']],
  ];
  for (const [profiles, environment, active] of cases) {
    const project = await loadComposeProject({ files: [fixture('profiles/compose.yaml')], profiles, environment });
    const names = project.services.filter((service) => service.active).map((service) => service.name);
    assert.deepEqual(names, active, `profiles ${JSON.stringify(profiles)} ${JSON.stringify(environment)}`);
  }
});

test('interpolation from environment then .env', async () => {
  const project = await loadComposeProject({ files: [fixture('interpolation/compose.yaml')], environment: { SHELL_ONLY: 'shell', IN_BOTH: 'from-shell' } });
  assert.equal(project.name, 'interp');
  assert.equal(project.services[0]!.image, '127.0.0.1:5000/lab/app:1', 'env_file does not feed interpolation');
  assert.deepEqual(serviceConfig(project, 'app')['environment'], {
    FROM_SHELL: 'shell',
    FROM_DOTENV: 'from-dotenv',
    BOTH: 'from-shell',
    LITERAL: '$HOME',
    UNSET: '',
    ALT: 'tagged',
  });
  assert.deepEqual(project.warnings.map((warning) => warning.code), ['compose.variable_unset']);
  assert.match(project.warnings[0]!.message, /NOT_SET_ANYWHERE/);
});

test('explicit env file replaces .env', async () => {
  const directory = await mkdtemp(path.join(tmpdir(), 'bosun-compose-'));
  try {
    const envFile = path.join(directory, 'other.env');
    await writeFile(envFile, 'REGISTRY=example.test\nTAG=9\n');
    const project = await loadComposeProject({ files: [fixture('interpolation/compose.yaml')], envFiles: [envFile], environment: {} });
    assert.equal(project.services[0]!.image, 'example.test/app:9');

    const missing = loadComposeProject({ files: [fixture('interpolation/compose.yaml')], envFiles: [path.join(directory, 'absent.env')], environment: {} });
    await assert.rejects(missing, /absent\.env: the env file does not exist/);
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
});

test('required variable error names the line', async () => {
  const error = await loadError([fixture('interpolation/required.yaml')]);
  assert.equal(error.line, 5);
  assert.match(error.message, /required\.yaml:5: services\.app\.environment\.NEEDED: required variable REQUIRED_VAR is not set: set REQUIRED_VAR first/);

  const project = await loadComposeProject({ files: [fixture('interpolation/required.yaml')], environment: { REQUIRED_VAR: 'ok' } });
  assert.deepEqual(serviceConfig(project, 'app')['environment'], { NEEDED: 'ok' });
});

test('bad files name file and line', async () => {
  const cases: Array<[string, number | undefined, RegExp]> = [
    ['bad/syntax.yaml', 6, /Missing closing "quote/],
    ['bad/duplicate.yaml', 4, /Map keys must be unique/],
    ['bad/no-image.yaml', 2, /service "app": has neither an image nor a build section/],
    ['bad/interpolation.yaml', 5, /invalid interpolation format/],
    ['hostile/laughs.yaml', undefined, /cannot expand the YAML aliases/],
    ['missing.yaml', undefined, /the compose file does not exist/],
  ];
  for (const [file, line, message] of cases) {
    const error = await loadError([fixture(file)]);
    assert.equal(error.line, line, file);
    assert.match(error.message, message, file);
    assert.ok(error.message.startsWith(fixture(file)), `${file}: the message starts with the file`);
  }
});

test('alias bomb with merge keys is bounded', async () => {
  const directory = await mkdtemp(path.join(tmpdir(), 'bosun-compose-'));
  try {
    const lines = ['x-0: &l0 {a: 1, b: 2}'];
    for (let level = 1; level <= 12; level++) lines.push(`x-${level}: &l${level} [${Array.from({ length: 10 }, () => `*l${level - 1}`).join(', ')}]`);
    lines.push('services:', '  app:', '    image: lab/app:1', '    labels:', '      <<: *l0', '    command: *l12');
    const file = path.join(directory, 'compose.yaml');
    await writeFile(file, `${lines.join('\n')}\n`);
    const error = await loadError([file]);
    assert.match(error.message, /Excessive alias count/);
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
});

test('short port and volume syntax', () => {
  assert.deepEqual(longPorts('80'), [{ mode: 'ingress', target: 80, protocol: 'tcp' }]);
  assert.deepEqual(longPorts(8080), [{ mode: 'ingress', target: 8080, protocol: 'tcp' }]);
  assert.deepEqual(longPorts('[::1]:8080:80/udp'), [{ mode: 'ingress', target: 80, protocol: 'udp', host_ip: '::1', published: '8080' }]);
  assert.deepEqual(longPorts('9000-9001:90-91'), [
    { mode: 'ingress', target: 90, protocol: 'tcp', published: '9000' },
    { mode: 'ingress', target: 91, protocol: 'tcp', published: '9001' },
  ]);
  assert.deepEqual(longPorts('not a port'), ['not a port']);
  assert.deepEqual(longVolume('/data'), { type: 'volume', target: '/data' });
  assert.deepEqual(longVolume('data:/data:ro'), { type: 'volume', source: 'data', target: '/data', read_only: true });
  assert.deepEqual(longVolume('./d:/data'), { type: 'bind', source: './d', target: '/data', bind: { create_host_path: true } });
});

test('service merge replaces healthcheck test', () => {
  const merged = mergeService(
    { image: 'a', healthcheck: { test: ['CMD', 'a'], interval: '5s' }, secrets: ['one', { source: 'two', target: '/x' }] },
    { healthcheck: { test: ['CMD', 'b'] }, secrets: [{ source: 'three', target: '/x' }, 'four'] },
  );
  assert.deepEqual(merged['healthcheck'], { test: ['CMD', 'b'], interval: '5s' });
  assert.deepEqual(merged['secrets'], [{ source: 'one' }, { source: 'three', target: '/x' }, { source: 'four' }]);
});

test('include fan-out is bounded', async () => {
  const directory = await mkdtemp(path.join(tmpdir(), 'bosun-compose-'));
  try {
    // Each level includes the next ten times: 10^4 reads without a bound.
    for (let level = 0; level < 4; level++) {
      const entries = Array.from({ length: 10 }, () => `  - level${level + 1}.yaml`).join('\n');
      await writeFile(path.join(directory, `level${level}.yaml`), `name: level${level}\ninclude:\n${entries}\n`);
    }
    await writeFile(path.join(directory, 'level4.yaml'), 'name: leaf\nservices: {}\n');
    const error = await loadError([path.join(directory, 'level0.yaml')]);
    assert.match(error.message, /more than 1000 compose files read/);

    await writeFile(path.join(directory, 'small.yaml'), 'include:\n  - level4.yaml\nservices:\n  app:\n    image: lab/app:1\n');
    const project = await loadComposeProject({ files: [path.join(directory, 'small.yaml')], environment: {} });
    assert.equal(project.name, path.basename(directory).toLowerCase().replace(/[^a-z0-9_-]/g, ''), 'an included name does not name the project');
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
});
