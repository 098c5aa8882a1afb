import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { repoRoot, runCli } from '../helpers/cli.js';
import { docker, ensureLab, labSkipReason, type Lab } from '../helpers/lab.js';

// `bosun authz` in front of a real dockerd. The test starts its own dockerd with
// --authorization-plugin, so the lab's shared engine and the tests that use it are unaffected.

const skip = labSkipReason();

const PLUGIN_NAME = 'bosun-authz-test';
const PLUGIN_DIR = '/run/docker/plugins';
const UNTRUSTED_IMAGE = 'bosun-test/authz-untrusted:1';
/** Daemons get a dead loopback proxy, as in lab/lab-up.sh, so that nothing can reach the internet. */
const NO_EGRESS = {
  HTTP_PROXY: 'http://127.0.0.1:9',
  HTTPS_PROXY: 'http://127.0.0.1:9',
  http_proxy: 'http://127.0.0.1:9',
  https_proxy: 'http://127.0.0.1:9',
  NO_PROXY: 'localhost,127.0.0.1,::1',
  no_proxy: 'localhost,127.0.0.1,::1',
};

interface Sandbox {
  /** Short, because containerd's socket under the exec root must fit in a unix socket path. */
  root: string;
  socket: string;
  policy: string;
  dataDir: string;
  pluginLog: string;
  /** Image ID of lab/debian:bookworm. The policy pins it, because the offline plugin confirms a base only by a pin. */
  debianId: string;
  plugin: ChildProcess | undefined;
  dockerd: ChildProcess | undefined;
}

function sandboxDocker(sandbox: Sandbox, args: string[]): { code: number; stdout: string; stderr: string } {
  const result = spawnSync('docker', args, {
    encoding: 'utf8',
    env: { ...process.env, DOCKER_HOST: `unix://${sandbox.socket}`, DOCKER_CONFIG: path.join(sandbox.root, 'client') },
    timeout: 5 * 60_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  return { code: result.status ?? 1, stdout: result.stdout, stderr: result.stderr };
}

function writePolicy(sandbox: Sandbox, mode: 'enforce' | 'warn'): void {
  writeFileSync(sandbox.policy, ['trustedBases:', '  - repository: lab/debian', `    digests: ['${sandbox.debianId}']`, `mode: ${mode}`, 'failClosed: true', ''].join('\n'));
}

async function waitFor(what: string, check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (check()) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function startPlugin(sandbox: Sandbox): Promise<void> {
  const socketPath = path.join(PLUGIN_DIR, `${PLUGIN_NAME}.sock`);
  const log = openSync(sandbox.pluginLog, 'a');
  sandbox.plugin = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(repoRoot, 'src/cli/main.ts'), '--data-dir', sandbox.dataDir, 'authz', '--name', PLUGIN_NAME, '--plugin-dir', PLUGIN_DIR,
      '--engine', `unix://${sandbox.socket}`, '--policy', sandbox.policy, '--offline'],
    { cwd: repoRoot, stdio: ['ignore', log, log], env: { ...process.env, ...NO_EGRESS } },
  );
  await waitFor('the plugin socket', () => existsSync(socketPath) && readFileSync(sandbox.pluginLog, 'utf8').includes('authorization plugin listening'), 60_000);
}

async function stopProcess(child: ChildProcess | undefined, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  await exited;
  clearTimeout(timer);
}

async function startDockerd(sandbox: Sandbox, storageDriver: string): Promise<void> {
  writeFileSync(path.join(sandbox.root, 'daemon.json'), '{}\n');
  const log = openSync(path.join(sandbox.root, 'dockerd.log'), 'a');
  sandbox.dockerd = spawn(
    'timeout',
    ['-k', '10', '900', 'dockerd', '--config-file', path.join(sandbox.root, 'daemon.json'), '--host', `unix://${sandbox.socket}`,
      '--data-root', path.join(sandbox.root, 'data'), '--exec-root', path.join(sandbox.root, 'x'), '--pidfile', path.join(sandbox.root, 'dockerd.pid'),
      '--storage-driver', storageDriver, '--shutdown-timeout', '5', '--iptables=false', '--ip6tables=false', '--ip-masq=false', '--ip-forward=false',
      '--bridge=none', '--authorization-plugin', PLUGIN_NAME],
    { stdio: ['ignore', log, log], env: { ...process.env, ...NO_EGRESS } },
  );
  await waitFor('the test dockerd', () => sandboxDocker(sandbox, ['version', '--format', '{{.Server.Version}}']).code === 0, 90_000);
}

function buildUntrustedImage(lab: Lab, root: string): void {
  const context = path.join(root, 'ctx');
  mkdirSync(context);
  // The base is trusted, but no build record ties this image to an audited source. The offline
  // plugin has no layers of lab/debian stored, so the image's origin is unknown: untrusted.
  writeFileSync(path.join(context, 'Dockerfile'), 'FROM lab/debian:bookworm\nRUN echo untrusted-ran > /marker\nCMD ["cat", "/marker"]\n');
  execFileSync('docker', ['build', '-q', '--network', 'none', '-t', UNTRUSTED_IMAGE, context], {
    env: { ...process.env, DOCKER_HOST: `unix://${lab.dockerSock}`, DOCKER_BUILDKIT: '0' },
    stdio: ['ignore', 'ignore', 'pipe'],
    timeout: 5 * 60_000,
  });
}

function pluginDecisions(sandbox: Sandbox, image: string): Array<Record<string, unknown>> {
  return readFileSync(sandbox.pluginLog, 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((entry) => entry['image'] === image && entry['action'] === 'container create');
}

test('authz rejects missing policy file', async () => {
  const dataDir = mkdtempSync('/tmp/bza-');
  try {
    const missing = path.join(dataDir, 'no-such-policy.yaml');
    const result = await runCli(['--data-dir', dataDir, 'authz', '--policy', missing, '--plugin-dir', dataDir, '--engine', 'unix:///nonexistent.sock'], {}, 60_000);
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /policy file .*no-such-policy\.yaml does not exist/);
    assert.equal(existsSync(path.join(dataDir, 'bosun-authz.sock')), false, 'the plugin started without its policy');
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('authz plugin in front of a real dockerd', { skip, timeout: 15 * 60_000 }, async (t) => {
  const lab = ensureLab();
  const storageDriver = docker(lab, ['info', '--format', '{{.Driver}}']).trim();
  const root = mkdtempSync('/tmp/bza-');
  const sandbox: Sandbox = {
    root,
    socket: path.join(root, 'docker.sock'),
    policy: path.join(root, 'policy.yaml'),
    dataDir: path.join(root, 'bosun'),
    pluginLog: path.join(root, 'plugin.log'),
    debianId: docker(lab, ['image', 'inspect', '--format', '{{.Id}}', 'lab/debian:bookworm']).trim(),
    plugin: undefined,
    dockerd: undefined,
  };

  try {
    buildUntrustedImage(lab, root);
    const archive = path.join(root, 'images.tar');
    docker(lab, ['save', '-o', archive, 'lab/debian:bookworm', 'lab/app:1', UNTRUSTED_IMAGE]);

    writePolicy(sandbox, 'enforce');
    await startPlugin(sandbox);
    await startDockerd(sandbox, storageDriver);
    const load = sandboxDocker(sandbox, ['load', '-q', '-i', archive]);
    assert.equal(load.code, 0, load.stderr);

    await t.test('trusted image runs', () => {
      const run = sandboxDocker(sandbox, ['run', '--rm', '--network', 'none', 'lab/debian:bookworm', 'echo', 'trusted-ran']);
      assert.equal(run.code, 0, run.stderr);
      assert.equal(run.stdout.trim(), 'trusted-ran');
      const decisions = pluginDecisions(sandbox, 'lab/debian:bookworm');
      assert.equal(decisions.at(-1)?.['verdict'], 'trusted');
      assert.equal(decisions.at(-1)?.['allowed'], true);
      assert.match(String(decisions.at(-1)?.['digest']), /^sha256:[a-f0-9]{64}$/);
    });

    await t.test('untrusted image is denied', (t) => {
      const run = sandboxDocker(sandbox, ['run', '--rm', '--network', 'none', UNTRUSTED_IMAGE]);
      assert.notEqual(run.code, 0, 'docker run of an untrusted image succeeded');
      t.diagnostic(`docker run printed: ${run.stderr.trim()}`);
      assert.match(run.stderr, new RegExp(`authorization denied by plugin ${PLUGIN_NAME}: bosun: image ${UNTRUSTED_IMAGE} \\(sha256:[a-f0-9]{12}\\) is untrusted: `));
      assert.match(run.stderr, /origin of image .* is unknown/);
      assert.doesNotMatch(run.stdout, /untrusted-ran/);
      assert.equal(pluginDecisions(sandbox, UNTRUSTED_IMAGE).at(-1)?.['allowed'], false);
    });

    await t.test('warn mode lets it run after a restart', async () => {
      await stopProcess(sandbox.plugin);
      writePolicy(sandbox, 'warn');
      await startPlugin(sandbox);
      const run = sandboxDocker(sandbox, ['run', '--rm', '--network', 'none', UNTRUSTED_IMAGE]);
      assert.equal(run.code, 0, run.stderr);
      assert.equal(run.stdout.trim(), 'untrusted-ran');
      const last = pluginDecisions(sandbox, UNTRUSTED_IMAGE).at(-1);
      assert.equal(last?.['allowed'], true);
      assert.equal(last?.['mode'], 'warn');
      assert.equal(last?.['verdict'], 'untrusted');
    });

    await t.test('killed plugin is replaced and judges again', async () => {
      const before = pluginDecisions(sandbox, UNTRUSTED_IMAGE).length;
      await stopProcess(sandbox.plugin, 'SIGKILL');
      writePolicy(sandbox, 'enforce');
      await startPlugin(sandbox);
      const run = sandboxDocker(sandbox, ['run', '--rm', '--network', 'none', UNTRUSTED_IMAGE]);
      assert.notEqual(run.code, 0, 'the new plugin process did not judge the request');
      assert.match(run.stderr, /authorization denied by plugin/);
      assert.equal(pluginDecisions(sandbox, UNTRUSTED_IMAGE).length, before + 1);

      const trusted = sandboxDocker(sandbox, ['run', '--rm', '--network', 'none', 'lab/debian:bookworm', 'true']);
      assert.equal(trusted.code, 0, trusted.stderr);
    });
  } finally {
    await stopProcess(sandbox.dockerd);
    await stopProcess(sandbox.plugin);
    try {
      docker(lab, ['rmi', '-f', UNTRUSTED_IMAGE]);
    } catch {
      // The build may have failed before the image existed.
    }
    // dockerd unmounts its layers on exit. A mount left by a crash makes rm fail, which is reported.
    try {
      rmSync(root, { recursive: true, force: true });
    } catch (error) {
      t.diagnostic(`cannot remove ${root}: ${String(error)}`);
    }
  }
});
