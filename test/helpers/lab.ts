import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Addresses and digests of the running lab, as written by lab/lab-up.sh to lab.env. */
export interface Lab {
  dockerSock: string;
  podmanSock: string | undefined;
  registry: string;
  authRegistry: string;
  authUser: string;
  authPass: string;
  baseTar: string;
  baseDiffId: string;
  baseDigest: string;
  appDigest: string;
  ociLayout: string;
  env: Record<string, string>;
}

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const labDir = process.env['LAB_DIR'] ?? path.join(process.env['TMPDIR'] ?? '/tmp', 'bosun-lab');

let cached: Lab | undefined;

/**
 * Returns the running lab, starting it with lab/lab-up.sh when it is not up (idempotent, about
 * 2 s when warm). Throws when the lab cannot start: tests that need it must fail, not pass.
 * Set BOSUN_SKIP_LAB=1 only on a platform without the daemons; tests then skip with that reason.
 */
export function ensureLab(): Lab {
  if (cached) return cached;
  execFileSync('bash', [path.join(repoRoot, 'lab/lab-up.sh')], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, LAB_DIR: labDir },
    timeout: 30 * 60 * 1000,
  });
  cached = readLabEnv();
  return cached;
}

/** The reason to skip lab tests, or undefined when they must run. */
export function labSkipReason(): string | undefined {
  if (process.env['BOSUN_SKIP_LAB'] === '1') return 'BOSUN_SKIP_LAB=1: this platform has no Docker lab';
  if (process.getuid?.() !== 0) return 'the lab needs root to start dockerd and the registries';
  return undefined;
}

function readLabEnv(): Lab {
  const file = path.join(labDir, 'lab.env');
  if (!existsSync(file)) throw new Error(`lab-up.sh finished but wrote no ${file}`);
  const env: Record<string, string> = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const match = /^export ([A-Z_]+)=(.*)$/.exec(line);
    if (match) env[match[1]!] = match[2]!;
  }
  const get = (key: string): string => {
    const value = env[key];
    if (value === undefined) throw new Error(`${file} has no ${key}`);
    return value;
  };
  return {
    dockerSock: get('LAB_DOCKER_SOCK'),
    podmanSock: env['LAB_PODMAN_SOCK'] || undefined,
    registry: get('LAB_REGISTRY'),
    authRegistry: get('LAB_AUTH_REGISTRY'),
    authUser: get('LAB_AUTH_USER'),
    authPass: get('LAB_AUTH_PASS'),
    baseTar: get('LAB_BASE_TAR'),
    baseDiffId: get('LAB_BASE_DIFFID'),
    baseDigest: get('LAB_BASE_DIGEST'),
    appDigest: get('LAB_APP_DIGEST'),
    ociLayout: get('LAB_OCI_LAYOUT'),
    env,
  };
}

/** Runs the docker CLI against the lab's engine. */
export function docker(lab: Lab, args: string[], input?: string): string {
  return execFileSync('docker', args, {
    encoding: 'utf8',
    input,
    env: { ...process.env, DOCKER_HOST: `unix://${lab.dockerSock}`, DOCKER_CONFIG: path.join(labDir, 'etc/docker-client') },
    timeout: 10 * 60 * 1000,
    maxBuffer: 64 * 1024 * 1024,
  });
}
