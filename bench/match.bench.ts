/**
 * Benchmarks matching and advisory import.
 *
 *   node --import tsx bench/match.bench.ts [osv-data-dir]
 *
 * 1. Generates 10,000 installed packages and 10,000 advisories (Debian-like records that name
 *    source packages, plus npm records) and times `matchAgainst`, apart from building the index.
 * 2. Imports `<osv-data-dir>/{Go,AlmaLinux}/all.zip` (default `../shared/data/osv`) into a fresh
 *    SQLite store, each twice (first import, then an unchanged re-import), and reports the
 *    database size.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { importAdvisories, parseOsvRecord, type OsvRecord } from '../src/advisory/index.js';
import type { OsInfo, Package } from '../src/catalog/types.js';
import type { DiffId } from '../src/common/digest.js';
import { AdvisoryIndex, matchAgainst } from '../src/match/index.js';
import { openStore } from '../src/store/index.js';

const PACKAGES = 10_000;
const ADVISORIES = 10_000;
const SOURCE_PACKAGES = 3_000;
const LAYER = `sha256:${'0'.repeat(64)}` as DiffId;
const DEBIAN: OsInfo = { id: 'debian', version: '12', codename: 'bookworm', source: 'etc/os-release' };

function generateAdvisories(): OsvRecord[] {
  const records: OsvRecord[] = [];
  for (let i = 0; i < ADVISORIES; i++) {
    const debianLike = i % 5 !== 0;
    const affected = debianLike
      ? [
          debianEntry('Debian:12', `src${i % SOURCE_PACKAGES}`, `1.${i % 40}-1+deb12u1`),
          debianEntry('Debian:11', `src${i % SOURCE_PACKAGES}`, `1.${i % 40}-1~deb11u1`),
        ]
      : [{ package: { ecosystem: 'npm', name: `npm-pkg-${i % 1_000}` }, ranges: [{ type: 'SEMVER', events: [{ introduced: '1.0.0' }, { fixed: `1.${i % 30}.0` }, { introduced: '2.0.0' }, { fixed: `2.${i % 7}.1` }] }] }];
    const parsed = parseOsvRecord({ id: `BENCH-${i}`, modified: '2024-01-01T00:00:00Z', summary: `generated advisory ${i}`, aliases: [`CVE-2099-${i}`], affected });
    if (!parsed.ok) throw new Error(parsed.reason);
    records.push(parsed.record);
  }
  return records;
}

function debianEntry(ecosystem: string, name: string, fixed: string) {
  return { package: { ecosystem, name }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed }] }] };
}

function generatePackages(): Package[] {
  const packages: Package[] = [];
  for (let i = 0; i < PACKAGES; i++) {
    if (i % 4 === 0) {
      const version = `1.${i % 25}.${i % 3}`;
      packages.push({ name: `npm-pkg-${i % 1_000}`, version, type: 'npm', purl: `pkg:npm/npm-pkg-${i % 1_000}@${version}`, layer: LAYER, foundIn: 'package-lock.json' });
    } else {
      const version = `1.${i % 50}-1`;
      const name = `lib${i}`;
      packages.push({ name, version, type: 'deb', sourceName: `src${i % (SOURCE_PACKAGES * 2)}`, purl: `pkg:deb/debian/${name}@${version}?arch=amd64`, layer: LAYER, foundIn: 'var/lib/dpkg/status' });
    }
  }
  return packages;
}

function benchMatch(): void {
  const records = generateAdvisories();
  const packages = generatePackages();

  let start = performance.now();
  const index = AdvisoryIndex.fromRecords(records);
  const indexMs = performance.now() - start;

  // One warm-up run so that the timed runs measure steady state, not JIT compilation.
  matchAgainst(index, DEBIAN, packages);
  const runs: number[] = [];
  let findings = 0;
  for (let run = 0; run < 5; run++) {
    start = performance.now();
    findings = matchAgainst(index, DEBIAN, packages).length;
    runs.push(performance.now() - start);
  }
  runs.sort((a, b) => a - b);
  console.log(`matchAgainst: ${PACKAGES} packages x ${ADVISORIES} advisories (${index.size} affected entries)`);
  console.log(`  index build ${indexMs.toFixed(0)} ms; match median ${runs[2]!.toFixed(0)} ms (min ${runs[0]!.toFixed(0)}, max ${runs[4]!.toFixed(0)}); ${findings} findings`);
}

async function benchImport(dataDir: string): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bosun-bench-'));
  try {
    const store = await openStore({ dataDir: dir });
    for (const ecosystem of ['Go', 'AlmaLinux']) {
      const zip = path.join(dataDir, ecosystem, 'all.zip');
      if (!existsSync(zip)) {
        console.log(`import ${ecosystem}: skipped, ${zip} not found`);
        continue;
      }
      for (const label of ['first import', 're-import']) {
        const start = performance.now();
        const result = await importAdvisories(store, zip);
        const ms = performance.now() - start;
        console.log(`import ${ecosystem} (${label}): ${ms.toFixed(0)} ms; imported ${result.imported}, updated ${result.updated}, unchanged ${result.unchanged}, skipped ${result.skipped.length}`);
      }
    }
    await store.close();
    const bytes = readdirSync(dir).reduce((sum, name) => sum + statSync(path.join(dir, name)).size, 0);
    console.log(`database size after both: ${(bytes / 1024 / 1024).toFixed(1)} MiB`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

console.log(`node ${process.version}, ${os.cpus().length} CPUs, ${os.cpus()[0]?.model ?? 'unknown CPU'}`);
benchMatch();
await benchImport(process.argv[2] ?? path.resolve('../shared/data/osv'));
