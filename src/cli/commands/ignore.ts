import { readFile } from 'node:fs/promises';
import { Command, Option } from 'commander';
import { InputError } from '../../common/errors.js';
import { addIgnoreRule, importVex, listIgnoreRules, parseVex, removeIgnoreRule, type IgnoreRule } from '../../monitor/index.js';
import { withStore } from '../context.js';
import { sanitiseText } from '../../report/text.js';
import { writeOutput } from '../output.js';

interface AddOptions {
  advisory?: string;
  package?: string;
  image?: string;
  reason: string;
  expires?: string;
  everywhere?: boolean;
}

/** `bosun ignore add|list|remove|import-vex`: rules that hide findings. */
export function registerIgnore(program: Command): void {
  const ignore = program.command('ignore').description('Hide findings that do not apply, with a reason and an optional expiry');

  ignore
    .command('add')
    .description('Add a rule; the fields given narrow it, so --advisory alone hides that advisory in every image')
    .option('--advisory <id>', 'advisory id or alias, such as CVE-2023-45853')
    .option('--package <name>', 'package name, or a purl (pkg:deb/debian/zlib1g)')
    .option('--image <image>', 'image config digest, manifest digest, or reference pattern with * (lab/app:*)')
    .requiredOption('--reason <text>', 'why the finding does not apply')
    .option('--expires <date>', 'date (2027-01-01, 00:00 UTC) or ISO 8601 time after which the rule stops hiding findings')
    .option('--everywhere', 'allow a rule without --advisory, --package or --image, which hides every finding')
    .action(async (options: AddOptions, cmd: Command) => {
      if (options.advisory === undefined && options.package === undefined && options.image === undefined && !options.everywhere) {
        throw new InputError('an ignore rule without --advisory, --package or --image would hide every finding', {
          hint: 'narrow the rule, or pass --everywhere if that is what you mean',
        });
      }
      const rule = await withStore(cmd, (store) =>
        addIgnoreRule(store, {
          reason: options.reason,
          ...(options.advisory !== undefined && { advisory: options.advisory }),
          ...(options.package !== undefined && { package: options.package }),
          ...(options.image !== undefined && { image: options.image }),
          ...(options.expires !== undefined && { expiresAt: options.expires }),
          ...(process.env['USER'] !== undefined && { createdBy: process.env['USER'] }),
        }),
      );
      await writeOutput(`Added ignore rule ${rule.id}: ${describeRule(rule)}\n`);
    });

  ignore
    .command('list')
    .description('List ignore rules, newest first; expired rules are marked')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json']).default('table'))
    .action(async (options: { format: 'table' | 'json' }, cmd: Command) => {
      const rules = await withStore(cmd, (store) => listIgnoreRules(store));
      if (options.format === 'json') return writeOutput(`${JSON.stringify(rules, null, 2)}\n`);
      if (rules.length === 0) return writeOutput('No ignore rules.\n');
      const now = new Date().toISOString();
      const lines = rules.map((rule) => {
        const expired = rule.expiresAt !== null && rule.expiresAt <= now ? ' [expired]' : '';
        return `${String(rule.id).padStart(5)}  ${describeRule(rule)}${expired}`;
      });
      return writeOutput(`${lines.join('\n')}\n`);
    });

  ignore
    .command('remove')
    .description('Remove an ignore rule by id')
    .argument('<id>', 'rule id, as `bosun ignore list` shows it')
    .action(async (id: string, _options: unknown, cmd: Command) => {
      const number = Number(id);
      if (!Number.isInteger(number) || number < 1) throw new InputError(`invalid rule id "${id}"`, { hint: 'give the number that `bosun ignore list` shows' });
      const removed = await withStore(cmd, (store) => removeIgnoreRule(store, number));
      if (!removed) throw new InputError(`ignore rule ${number} not found`, { hint: 'list the rules with `bosun ignore list`' });
      await writeOutput(`Removed ignore rule ${number}.\n`);
    });

  ignore
    .command('import-vex')
    .description('Import an OpenVEX document: its not_affected and fixed statements hide the findings they name')
    .argument('<file>', 'OpenVEX JSON document (v0.2.0)')
    .action(async (file: string, _options: unknown, cmd: Command) => {
      const text = await readFile(file, 'utf8').catch((error: unknown) => {
        throw new InputError(`cannot read VEX document ${file}`, { hint: 'check the path and permissions', cause: error });
      });
      const document = parseVex(text, `VEX document ${file}`);
      const result = await withStore(cmd, (store) => importVex(store, document));
      await writeOutput(`Imported ${result.rules} rules from ${result.documentId} (${result.skipped} statements hide nothing: affected or under investigation).\n`);
    });
}

function describeRule(rule: IgnoreRule): string {
  const scope = [
    rule.advisory !== null ? `advisory ${rule.advisory}` : undefined,
    rule.package !== null ? `package ${rule.package}` : undefined,
    rule.image !== null ? `image ${rule.image}` : undefined,
  ].filter((part) => part !== undefined);
  const expiry = rule.expiresAt === null ? '' : `, expires ${rule.expiresAt}`;
  const source = rule.source === 'user' ? '' : ` [${rule.source}]`;
  // Rules also come from the API and from VEX documents: strip terminal control sequences.
  return sanitiseText(`${scope.length > 0 ? scope.join(', ') : 'everything'}: ${rule.reason}${expiry}${source}`);
}
