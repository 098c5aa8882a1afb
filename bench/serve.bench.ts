/**
 * Benchmarks the service.
 *
 *   node --import tsx bench/serve.bench.ts [osv-data-dir]
 *
 * 1. Re-match after a sync. Catalogues the lab's Debian image (`oci:$LAB_OCI_LAYOUT:debian-bookworm`)
 *    for its real package list, pads it with renamed copies to 300 packages, and seeds 200
 *    `images` rows with varied versions of it. Imports
 *    the Go and AlmaLinux exports from `<osv-data-dir>` (default `../shared/data/osv`, skipped
 *    with a note when absent) and 5,000 generated Debian records for those packages. Then times
 *    `Monitor.rematchAll()` twice: from no findings, and with nothing changed.
 * 2. Idle memory of `bosun serve` from dist/, rebuilt first (the last build is used when the
 *    rebuild fails). Measured on an empty store, then on the store of part 1 with 200 `containers`
 *    rows: after the re-match the service runs at start, and IDLE_WAIT_MS of idling, it reads
 *    VmRSS and VmHWM from /proc.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { importAdvisories } from '../src/advisory/index.js';
import { cataloguerKey, cataloguers } from '../src/catalog/index.js';
import type { Package } from '../src/catalog/types.js';
import { sha256 } from '../src/common/digest.js';
import { Monitor } from '../src/monitor/index.js';
import { catalogueTarget } from '../src/scan/index.js';
import { openStore, type Store } from '../src/store/index.js';
import { BOSUN_CLI, buildBosun, describeMachine, freshDir, ROOT } from './lib/setting.js';

const IMAGES = 200;
const PACKAGES_PER_IMAGE = 300;
/** One generated Debian record in this many names a fixed version above the installed one. */
const AFFECTED_EVERY = 40;
const DEBIAN_RECORDS = 5_000;
const CONTAINERS = 200;
const IDLE_WAIT_MS = 20_000;
const NOW = new Date().toISOString();

/**
 * Reads the lab image's packages and adds renamed copies up to PACKAGES_PER_IMAGE, because the
 * minbase image has fewer packages than a typical application image. Copies get their own
 * source names, so each copy matches its own generated advisories.
 */
async function labPackages(): Promise<{ packages: Package[]; os: string; labCount: number }> {
  const layout = process.env['LAB_OCI_LAYOUT'] ?? '/tmp/bosun-lab/oci';
  const outcome = await catalogueTarget(`oci:${layout}:debian-bookworm`);
  const lab = outcome.catalogue.packages;
  const packages = [...lab];
  for (let copy = 2; packages.length < PACKAGES_PER_IMAGE; copy++) {
    for (const pkg of lab) {
      const name = `${pkg.name}-copy${copy}`;
      packages.push({ ...pkg, name, sourceName: `${pkg.sourceName ?? pkg.name}-copy${copy}`, purl: pkg.purl.replace(`/${pkg.name}@`, `/${name}@`) });
    }
  }
  return { packages: packages.slice(0, PACKAGES_PER_IMAGE), os: JSON.stringify(outcome.catalogue.os ?? null), labCount: lab.length };
}

/** Gives image `index` its own versions: a third keep the lab's, the rest bump revisions. */
function variedPackages(packages: Package[], index: number): Package[] {
  return packages.map((pkg, position) => {
    const bump = (index + position) % 3;
    if (bump === 0) return pkg;
    const version = `${pkg.version}+bench${bump}`;
    const sourceVersion = pkg.sourceVersion === undefined ? undefined : `${pkg.sourceVersion}+bench${bump}`;
    return { ...pkg, version, sourceVersion, purl: pkg.purl.replace(`@${encodeURIComponent(pkg.version)}`, `@${encodeURIComponent(version)}`) };
  });
}

async function seedImages(store: Store, packages: Package[], os: string): Promise<string[]> {
  const key = cataloguerKey(cataloguers);
  const digests: string[] = [];
  for (let index = 0; index < IMAGES; index++) {
    const digest = sha256(`bench-image-${index}`);
    digests.push(digest);
    await store.db
      .insertInto('images')
      .values({
        config_digest: digest,
        manifest_digest: null,
        references: JSON.stringify([`bench/app-${index}:1`]),
        diff_ids: JSON.stringify([packages[0]?.layer ?? sha256('layer')]),
        os,
        packages: JSON.stringify(variedPackages(packages, index)),
        annotations: '{}',
        cataloguer_key: key,
        first_seen_at: NOW,
        scanned_at: NOW,
      })
      .execute();
  }
  return digests;
}

/**
 * Writes Debian:12 records for the image's source packages. One in AFFECTED_EVERY is fixed above
 * the lab version and so matches; the others are fixed below it, so matching has to compare them.
 */
function writeDebianRecords(dir: string, packages: Package[]): void {
  mkdirSync(dir, { recursive: true });
  const sources = [...new Map(packages.filter((pkg) => pkg.type === 'deb').map((pkg) => [pkg.sourceName ?? pkg.name, pkg.sourceVersion ?? pkg.version])).entries()];
  for (let index = 0; index < DEBIAN_RECORDS; index++) {
    const [name, version] = sources[index % sources.length]!;
    const fixed = index % AFFECTED_EVERY === 0 ? `${version}+fix${index}` : `0.${index}`;
    const record = {
      schema_version: '1.6.0',
      id: `BENCH-DSA-${index}`,
      modified: '2026-01-01T00:00:00Z',
      summary: `${name} generated advisory ${index}`,
      aliases: [`CVE-2098-${index}`],
      affected: [{ package: { ecosystem: 'Debian:12', name }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed }] }] }],
    };
    writeFileSync(path.join(dir, `BENCH-DSA-${index}.json`), JSON.stringify(record));
  }
}

async function rematchBenchmark(dataDir: string, osvDir: string): Promise<Record<string, unknown>> {
  const store = await openStore({ dataDir });
  try {
    const { packages, os, labCount } = await labPackages();
    await seedImages(store, packages, os);

    const notes: string[] = [];
    for (const ecosystem of ['Go', 'AlmaLinux']) {
      const zip = path.join(osvDir, ecosystem, 'all.zip');
      if (existsSync(zip)) await importAdvisories(store, zip);
      else notes.push(`${zip} is absent; ${ecosystem} records not imported`);
    }
    const debianDir = path.join(dataDir, 'debian-osv');
    writeDebianRecords(debianDir, packages);
    await importAdvisories(store, debianDir);

    const monitor = new Monitor({ store });
    const first = await monitor.rematchAll();
    const second = await monitor.rematchAll();
    const advisories = await store.db.selectFrom('advisories').select((eb) => eb.fn.countAll().as('count')).executeTakeFirst();
    return { labPackages: labCount, packagesPerImage: packages.length, images: IMAGES, advisories: Number(advisories?.count ?? 0), first, second, notes };
  } finally {
    await store.close();
  }
}

async function seedContainers(dataDir: string): Promise<void> {
  const store = await openStore({ dataDir });
  try {
    for (let index = 0; index < CONTAINERS; index++) {
      await store.db
        .insertInto('containers')
        .values({
          endpoint: 'bench', id: sha256(`container-${index}`).slice(7), name: `app-${index}`, image_reference: `bench/app-${index % IMAGES}:1`,
          image_config_digest: sha256(`bench-image-${index % IMAGES}`), image_manifest_digest: null, compose_project: null, compose_service: null,
          swarm_service: null, state: 'running', labels: '{}', first_seen_at: NOW, last_seen_at: NOW, removed_at: null,
        })
        .execute();
    }
  } finally {
    await store.close();
  }
}

/** Resident set sizes of an idle `bosun serve`, in MiB: now (VmRSS) and the peak so far (VmHWM). */
interface IdleMemory {
  rssMiB: number;
  peakMiB: number;
  startupRematchMs: number | null;
  from: string;
}

/**
 * Starts `bosun serve`, waits for the re-match it runs at start to finish, lets it idle for
 * IDLE_WAIT_MS and reads its memory from /proc.
 */
async function idleMemory(dataDir: string): Promise<IdleMemory> {
  const token = 'bosun_bench-token-0123456789abcdef0123456789';
  // The engine socket does not exist, so the service idles without engine traffic.
  // Source through tsx when dist/ is missing (another build may be in progress); tsx adds its own memory.
  const entry = existsSync(BOSUN_CLI) ? [BOSUN_CLI] : ['--import', 'tsx', path.join(ROOT, 'src/cli/main.ts')];
  const child = spawn(process.execPath, [...entry, '--data-dir', dataDir, 'serve', '--listen', '127.0.0.1:0', '--engine', `bench=unix://${path.join(dataDir, 'absent.sock')}`], {
    cwd: ROOT,
    env: { ...process.env, BOSUN_TOKEN: token, BOSUN_LOG_LEVEL: 'info' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  let exited = false;
  child.stderr!.on('data', (chunk: Buffer) => (log += chunk.toString('utf8')));
  child.on('exit', () => (exited = true));
  try {
    const url = await poll(() => {
      if (exited) throw new Error(`bosun serve exited:\n${log.slice(-2000)}`);
      return /"url":"(http:\/\/[^"]+)"/.exec(log)?.[1];
    });
    const rematch = await poll(async () => {
      const response = await fetch(`${url}/api/v1/status`, { headers: { authorization: `Bearer ${token}` } }).catch(() => undefined);
      if (response === undefined) return undefined;
      const status = (await response.json()) as { monitor: { lastRematch?: { durationMs: number } } };
      return status.monitor.lastRematch;
    });
    await new Promise((resolve) => setTimeout(resolve, IDLE_WAIT_MS));
    const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
    const mib = (field: string) => Math.round((Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]) / 1024) * 10) / 10;
    return { rssMiB: mib('VmRSS'), peakMiB: mib('VmHWM'), startupRematchMs: rematch.durationMs, from: entry.length === 1 ? 'dist' : 'src through tsx' };
  } finally {
    if (!exited) {
      const stopped = new Promise((resolve) => child.on('exit', resolve));
      child.kill('SIGTERM');
      await stopped;
    }
  }
}

/** Calls `probe` every 200 ms until it returns a value, for at most 10 minutes. */
async function poll<T>(probe: () => T | undefined | Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 600_000;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error('bosun serve did not reach the expected state within 10 minutes');
}

async function main(): Promise<void> {
  const osvDir = path.resolve(process.argv[2] ?? path.join(ROOT, '../shared/data/osv'));
  const dataDir = freshDir('serve');
  try {
    const machine = describeMachine();
    const build = buildBosun();
    const emptyDir = freshDir('serve-empty');
    const empty = await idleMemory(emptyDir).finally(() => rmSync(emptyDir, { recursive: true, force: true }));
    const rematch = await rematchBenchmark(dataDir, osvDir);
    await seedContainers(dataDir);
    const seeded = await idleMemory(dataDir);
    const idle = { emptyStore: empty, seeded: { containers: CONTAINERS, ...seeded }, build: build.ok ? 'dist/ rebuilt' : build.note };
    console.log(JSON.stringify({ machine, rematch, idle }, null, 2));
  } finally {
    // BOSUN_BENCH_KEEP=1 keeps the seeded data directory, for profiling a re-match on its own.
    if (process.env['BOSUN_BENCH_KEEP'] === '1') console.error(`kept ${dataDir}`);
    else rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
