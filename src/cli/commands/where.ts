import { Command, Option } from 'commander';
import { wherePackage, type WhereResult } from '../../monitor/index.js';
import { withStore } from '../context.js';
import { writeOutput } from '../output.js';

interface WhereOptions {
  range?: string;
  all?: boolean;
  format: 'table' | 'json';
}

/** `bosun where PACKAGE`: which stored images and running containers contain a package. */
export function registerWhere(program: Command): void {
  program
    .command('where')
    .description('List the scanned images and running containers that contain a package (reads the store; the service need not run)')
    .argument('<package>', 'binary package name (zlib1g) or source package name (zlib)')
    // Not --version: the root program's --version flag would take it wherever it appears.
    .option('--range <range>', "version range in the package's own scheme: <, <=, >, >=, = joined by commas, such as '>=3.0,<3.0.14'")
    .option('--all', 'also list stopped and removed containers')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json']).default('table'))
    .action(async (name: string, options: WhereOptions, cmd: Command) => {
      const range = options.range;
      const result = await withStore(cmd, (store) =>
        wherePackage(store, { name, ...(range !== undefined && { version: range }), allContainers: options.all === true }),
      );
      await writeOutput(options.format === 'json' ? `${JSON.stringify(result, null, 2)}\n` : renderTable(result));
    });
}

function renderTable(result: WhereResult): string {
  if (result.images.length === 0) {
    const range = result.query.version === undefined ? '' : ` in range ${result.query.version}`;
    return `No scanned image contains ${result.query.name}${range}.\n`;
  }
  const lines: string[] = [];
  for (const image of result.images) {
    const names = image.references.length > 0 ? image.references.join(', ') : '(no reference)';
    lines.push(`${names}  ${image.configDigest}`);
    for (const pkg of image.packages) {
      const source = pkg.sourceName !== undefined && pkg.sourceName !== pkg.name ? ` (source ${pkg.sourceName} ${pkg.sourceVersion ?? pkg.version})` : '';
      lines.push(`  package   ${pkg.name} ${pkg.version}${source}`);
    }
    for (const container of image.containers) {
      const removed = container.removedAt === null ? '' : `, removed ${container.removedAt}`;
      lines.push(`  container ${container.endpoint}/${container.name} (${container.state}${removed})`);
    }
    if (image.containers.length === 0) lines.push('  container none');
  }
  return `${lines.join('\n')}\n`;
}
