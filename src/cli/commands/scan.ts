import { Command, Option } from 'commander';
import { exceedsThreshold } from '../../report/fail-on.js';
import { renderJson } from '../../report/json.js';
import { renderSarif } from '../../report/sarif.js';
import { parseSeverity, severityRank } from '../../report/severity.js';
import { renderTable, tableOptionsFor } from '../../report/table.js';
import type { ScanReport } from '../../report/types.js';
import { scanTarget } from '../../scan/index.js';
import { withStore } from '../context.js';
import { addImageOptions, openTargetOptions, type ImageCommandOptions } from '../image-options.js';
import { layerProgress } from '../progress.js';
import { writeOutput } from '../output.js';
import { ExitCode } from '../run.js';

interface ScanOptions extends ImageCommandOptions {
  format: 'table' | 'json' | 'cyclonedx' | 'sarif';
  failOn?: string;
  output?: string;
}

/** `bosun scan TARGET`: catalogue an image and list the advisories that affect it. */
export function registerScan(program: Command): void {
  const command = program
    .command('scan')
    .description('Find the advisories that affect the packages in an image')
    .argument('<target>', 'image: a reference, docker-archive:PATH, oci:PATH[:TAG], oci-archive:PATH, dir:PATH, docker-daemon:NAME or podman:NAME')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json', 'cyclonedx', 'sarif']).default('table'))
    .option('--fail-on <severity>', 'exit with status 1 when a finding is at least this severe: critical, high, medium, low, unknown')
    .option('-o, --output <file>', 'write to this file instead of stdout (written atomically)');
  addImageOptions(command).action(async (target: string, options: ScanOptions, cmd: Command) => {
    const threshold = options.failOn === undefined ? undefined : parseSeverity(options.failOn);
    const progress = layerProgress(options.progress !== false);
    const report = await withStore(cmd, (store) =>
      scanTarget(target, store, { open: openTargetOptions(options), onLayer: progress.onLayer }).finally(() => progress.stop()),
    );

    await writeOutput(await renderReport(report, options), options.output);
    if (threshold !== undefined && exceedsThreshold(report, threshold)) {
      const count = report.vulnerabilities.filter((v) => severityRank(v.severity) >= severityRank(threshold)).length;
      process.stderr.write(`bosun: ${count} finding(s) at or above ${threshold} severity (--fail-on ${threshold}); exiting with status 1\n`);
      process.exitCode = ExitCode.policy;
    }
  });
}

async function renderReport(report: ScanReport, options: ScanOptions): Promise<string> {
  switch (options.format) {
    case 'json':
      return renderJson(report);
    case 'sarif':
      return renderSarif(report);
    case 'cyclonedx': {
      // Loaded on demand: the CycloneDX library is slow to import.
      const { renderCycloneDxScan } = await import('../../report/cyclonedx.js');
      return renderCycloneDxScan(report);
    }
    case 'table':
      return renderTable(report, options.output ? { color: false } : tableOptionsFor(process.stdout));
  }
}
