import type { Command } from 'commander';
import { advisoryStatus, DEFAULT_OSV_BASE_URL, importAdvisories, updateAdvisories, type ImportResult } from '../../advisory/index.js';
import { InputError } from '../../common/errors.js';
import { ecosystemsOfStoredImages } from '../../scan/ecosystems.js';
import { withStore } from '../context.js';

/** `bosun db import|update|status`: the advisory database. */
export function registerDb(program: Command): void {
  const db = program.command('db').description('Manage the advisory database (OSV records)');

  db.command('import')
    .description('Import OSV records from a directory of JSON files, an OSV zip export, or the URL of one')
    .argument('<source>', 'directory, .zip file, or http(s):// URL of a zip')
    .option('--json', 'print the result as JSON')
    .action(async (source: string, options: { json?: boolean }, cmd: Command) => {
      if (source.trim() === '') {
        throw new InputError('the advisory source is empty', { hint: 'name a directory of OSV JSON files, a .zip export, or an http(s) URL of one' });
      }
      const result = await withStore(cmd, (store) => importAdvisories(store, source));
      printImport(source, result, options.json === true);
    });

  db.command('update')
    .description('Download and import the OSV exports for the ecosystems of the images scanned so far')
    .option('--base-url <url>', `where <Ecosystem>/all.zip files are served (default: $BOSUN_OSV_BASE_URL or ${DEFAULT_OSV_BASE_URL})`)
    .option('--ecosystem <name>', 'update this ecosystem, as osv.dev names it: Debian, Alpine, npm (repeatable)', collect, [])
    .option('--json', 'print the result as JSON')
    .action(async (options: { baseUrl?: string; ecosystem: string[]; json?: boolean }, cmd: Command) => {
      const baseUrl = options.baseUrl ?? process.env['BOSUN_OSV_BASE_URL'] ?? DEFAULT_OSV_BASE_URL;
      const updates = await withStore(cmd, async (store) => {
        const ecosystems = options.ecosystem.length > 0 ? options.ecosystem.map(exportName) : await ecosystemsOfStoredImages(store);
        if (ecosystems.length === 0) {
          throw new InputError('no ecosystems to update: no image has been scanned yet', {
            hint: 'scan an image first, or name ecosystems with --ecosystem Debian --ecosystem npm',
          });
        }
        return updateAdvisories(store, { baseUrl, ecosystems });
      });
      if (options.json) {
        process.stdout.write(`${JSON.stringify(updates, null, 2)}\n`);
        return;
      }
      for (const update of updates) printImport(update.url, update.result, false);
    });

  db.command('status')
    .description('Show advisory counts per ecosystem and when each was last updated')
    .option('--json', 'print the status as JSON')
    .action(async (options: { json?: boolean }, cmd: Command) => {
      const status = await withStore(cmd, (store) => advisoryStatus(store));
      if (options.json) {
        process.stdout.write(`${JSON.stringify(status, null, 2)}\n`);
        return;
      }
      const lines = [`${status.total} advisories (${status.withdrawn} withdrawn), last updated ${status.lastUpdated ?? 'never'}`];
      const width = Math.max(9, ...status.ecosystems.map((e) => e.ecosystem.length));
      if (status.ecosystems.length > 0) lines.push('', `${'ECOSYSTEM'.padEnd(width)}  ADVISORIES  LAST UPDATED`);
      for (const entry of status.ecosystems) {
        lines.push(`${entry.ecosystem.padEnd(width)}  ${String(entry.advisories).padStart(10)}  ${entry.lastUpdated ?? '-'}`);
      }
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}

function printImport(source: string, result: ImportResult, json: boolean): void {
  if (json) {
    process.stdout.write(`${JSON.stringify({ source, ...result }, null, 2)}\n`);
    return;
  }
  const ecosystems = Object.entries(result.ecosystems)
    .map(([name, count]) => `${name} ${count}`)
    .join(', ');
  process.stdout.write(
    `${source}: ${result.imported} new, ${result.updated} updated, ${result.unchanged} unchanged, ${result.skipped.length} skipped` +
      (ecosystems ? ` (${ecosystems})` : '') +
      '\n',
  );
  for (const skipped of result.skipped.slice(0, 20)) process.stderr.write(`  skipped ${skipped.file}: ${skipped.reason}\n`);
  if (result.skipped.length > 20) process.stderr.write(`  … and ${result.skipped.length - 20} more skipped files\n`);
}

/**
 * osv.dev publishes one export per ecosystem without release (`Debian/all.zip` holds `Debian:12`
 * and `Debian:11` records), while `db status` lists ecosystems with their release, so
 * `--ecosystem Debian:12` means `Debian`.
 */
function exportName(ecosystem: string): string {
  const colon = ecosystem.indexOf(':');
  if (colon < 0) return ecosystem;
  const base = ecosystem.slice(0, colon);
  process.stderr.write(`bosun: osv.dev exports ${ecosystem} as part of ${base}; updating ${base}\n`);
  return base;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
