/**
 * Benchmarks `bosun db import` of osv.dev's per-ecosystem exports into a fresh data dir.
 *
 *   npx tsx bench/import.bench.ts [--runs N] [--no-build] [--osv-dir DIR]
 *
 * For `<osv-dir>/Go/all.zip` and `<osv-dir>/AlmaLinux/all.zip` (default osv-dir
 * /work/shared/data/osv), each run imports into a new data dir and reports wall time, CPU time
 * (user + system), peak RSS (GNU time's `%M`), the records imported and the size of the data
 * dir afterwards (the SQLite database with its WAL). A missing export is skipped with a note.
 * Results go to bench/out/import-results.{json,md}.
 */
import { existsSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { measure, median, runUnmeasured, type Measurement } from './lib/measure.js';
import { BOSUN_CLI, buildBosun, describeMachine, freshDir, offlineEnv, OUT } from './lib/setting.js';

const RUN_TIMEOUT_MS = 20 * 60_000;
const ECOSYSTEMS = ['Go', 'AlmaLinux'];

interface ImportSummary {
  imported: number;
  updated: number;
  unchanged: number;
  skipped: number;
  ecosystems: Record<string, number>;
}

interface ImportResult {
  ecosystem: string;
  zip: string;
  zipMiB: number;
  runs: Measurement[];
  wallMedianMs: number;
  wallMinMs: number;
  cpuMedianMs: number;
  maxRssMiB: number;
  records: ImportSummary;
  dataDirMiB: number;
}

async function main(argv: string[]): Promise<void> {
  const runs = Number(option(argv, '--runs') ?? 3);
  const osvDir = option(argv, '--osv-dir') ?? '/work/shared/data/osv';
  const notes: string[] = [];
  if (!argv.includes('--no-build')) {
    const build = buildBosun();
    if (build.note) notes.push(build.note);
  }

  const results: ImportResult[] = [];
  for (const ecosystem of ECOSYSTEMS) {
    const zip = path.join(osvDir, ecosystem, 'all.zip');
    if (!existsSync(zip)) {
      notes.push(`${zip} is absent: ${ecosystem} skipped`);
      continue;
    }
    results.push(await benchImport(ecosystem, zip, runs));
  }

  const report = { date: new Date().toISOString(), machine: describeMachine(), runs, notes, results };
  writeFileSync(path.join(OUT, 'import-results.json'), `${JSON.stringify(report, null, 2)}\n`);
  const markdown = renderMarkdown(results, notes);
  writeFileSync(path.join(OUT, 'import-results.md'), markdown);
  process.stdout.write(markdown);
  rmSync(path.join(OUT, 'tmp'), { recursive: true, force: true });
}

async function benchImport(ecosystem: string, zip: string, runs: number): Promise<ImportResult> {
  const measurements: Measurement[] = [];
  let records: ImportSummary | undefined;
  let dataDirBytes = 0;

  for (let round = 1; round <= runs; round++) {
    const scratch = freshDir(`import-${ecosystem}`);
    const dataDir = path.join(scratch, 'data');
    const argv = ['node', BOSUN_CLI, '--data-dir', dataDir, 'db', 'import', zip];
    const result = await measure(argv, { env: offlineEnv(), timeoutMs: RUN_TIMEOUT_MS });
    measurements.push(result);
    process.stderr.write(`round ${round}/${runs} ${ecosystem}: ${(result.wallMs / 1000).toFixed(2)} s wall, exit ${result.exitCode}\n`);
    if (result.exitCode !== 0) throw new Error(`bosun db import ${zip} failed (exit ${result.exitCode}):\n${result.stderrTail}`);

    dataDirBytes = folderBytes(dataDir);
    records = await readStatus(dataDir, zip);
    rmSync(scratch, { recursive: true, force: true });
  }

  return {
    ecosystem,
    zip,
    zipMiB: statSync(zip).size / 2 ** 20,
    runs: measurements,
    wallMedianMs: median(measurements.map((run) => run.wallMs)),
    wallMinMs: Math.min(...measurements.map((run) => run.wallMs)),
    cpuMedianMs: median(measurements.map((run) => run.cpuMs)),
    maxRssMiB: Math.max(...measurements.map((run) => run.maxRssKib)) / 1024,
    records: records ?? { imported: 0, updated: 0, unchanged: 0, skipped: 0, ecosystems: {} },
    dataDirMiB: dataDirBytes / 2 ** 20,
  };
}

/**
 * Re-imports the same zip with `--json` to read the record counts: every record is then
 * `unchanged`, and the counts come from Bosun itself rather than from parsing its text output.
 */
async function readStatus(dataDir: string, zip: string): Promise<ImportSummary> {
  const result = await runUnmeasured(['node', BOSUN_CLI, '--data-dir', dataDir, 'db', 'import', zip, '--json'], { env: offlineEnv(), timeoutMs: RUN_TIMEOUT_MS });
  if (result.exitCode !== 0) throw new Error(`bosun db import --json ${zip} failed (exit ${result.exitCode}):\n${result.stderr}`);
  const parsed = JSON.parse(result.stdout) as { imported: number; updated: number; unchanged: number; skipped: unknown[]; ecosystems: Record<string, number> };
  return { imported: parsed.imported, updated: parsed.updated, unchanged: parsed.unchanged, skipped: parsed.skipped.length, ecosystems: parsed.ecosystems };
}

function folderBytes(folder: string): number {
  let total = 0;
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    const full = path.join(folder, entry.name);
    total += entry.isDirectory() ? folderBytes(full) : statSync(full).size;
  }
  return total;
}

function renderMarkdown(results: ImportResult[], notes: string[]): string {
  const lines = [
    '| export | zip (MiB) | records (unchanged on re-import) | skipped | wall median (s) | wall min (s) | CPU median (s) | peak RSS (MiB) | data dir after import (MiB) |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const result of results) {
    lines.push(
      `| ${result.ecosystem} | ${result.zipMiB.toFixed(1)} | ${result.records.unchanged} | ${result.records.skipped} | ` +
        `${(result.wallMedianMs / 1000).toFixed(2)} | ${(result.wallMinMs / 1000).toFixed(2)} | ${(result.cpuMedianMs / 1000).toFixed(2)} | ` +
        `${result.maxRssMiB.toFixed(0)} | ${result.dataDirMiB.toFixed(1)} |`,
    );
  }
  if (notes.length > 0) lines.push('', ...notes.map((note) => `- ${note.replaceAll('\n', ' ')}`));
  return `${lines.join('\n')}\n`;
}

function option(argv: string[], name: string): string | undefined {
  const index = argv.indexOf(name);
  return index >= 0 ? argv[index + 1] : undefined;
}

await main(process.argv.slice(2));
