import { Command, Option } from 'commander';
import { InputError, type Warning } from '../../common/errors.js';
import { approveSource, auditSource, renderAudit, resolveBuildSource, sanitiseTerminalText } from '../../trust/index.js';
import { withStore } from '../context.js';
import { writeOutput } from '../output.js';

interface AuditOptions {
  file?: string;
  buildArg: string[];
  format: 'text' | 'json';
}

/** `bosun audit PATH` and `bosun audit approve PATH --by NAME`: review and approve build sources. */
export function registerAudit(program: Command): void {
  const audit = program
    .command('audit')
    .description('Show the stages, base images and findings of a build source, and what changed since it was approved')
    .argument('<path>', 'a Dockerfile, or a build directory with a Dockerfile')
    .option('-f, --file <dockerfile>', 'Dockerfile to use when PATH is a directory (default: PATH/Dockerfile)')
    .option('--build-arg <name=value>', 'build argument, as for docker build (repeatable)', collect, [])
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .action(async (sourcePath: string, options: AuditOptions, cmd: Command) => {
      const source = await resolveBuildSource(sourcePath, options.file);
      const buildArgs = options.buildArg.length > 0 ? parseBuildArgs(options.buildArg) : undefined;
      const report = await withStore(cmd, (store) => auditSource(store, source, { buildArgs }));
      await writeOutput(options.format === 'json' ? `${JSON.stringify(report, null, 2)}\n` : renderAudit(report));
    });

  audit
    .command('approve')
    .description('Approve a build source as it is now: pin the Dockerfile, .dockerignore and every context file the build reads')
    .argument('<path>', 'a Dockerfile, or a build directory with a Dockerfile')
    .requiredOption('--by <name>', 'who approves it')
    .option('-f, --file <dockerfile>', 'Dockerfile to use when PATH is a directory (default: PATH/Dockerfile)')
    .option('--build-arg <name=value>', 'build argument, as for docker build (repeatable)', collect, [])
    .action(async (sourcePath: string, options: Omit<AuditOptions, 'format'> & { by: string }, cmd: Command) => {
      const source = await resolveBuildSource(sourcePath, options.file);
      const buildArgs = parseBuildArgs(options.buildArg);
      const { approval, warnings } = await withStore(cmd, (store) => approveSource(store, source, { by: options.by, buildArgs }));
      printWarnings(warnings);
      await writeOutput(sanitiseTerminalText(`approved ${approval.source} as ${approval.contentDigest} (${approval.files.length} files) by ${approval.approvedBy} at ${approval.approvedAt}\n`));
    });
}

/**
 * Parses `NAME=VALUE` build arguments. A bare `NAME` takes its value from the environment, as
 * `docker build` does, and is left out when the variable is unset.
 */
export function parseBuildArgs(values: string[], env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const args: Record<string, string> = {};
  for (const value of values) {
    const equals = value.indexOf('=');
    const name = equals === -1 ? value : value.slice(0, equals);
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      throw new InputError(`invalid --build-arg "${value.slice(0, 80)}": the name must be letters, digits and underscores`, { hint: 'write --build-arg NAME=VALUE' });
    }
    if (equals !== -1) args[name] = value.slice(equals + 1);
    else if (env[name] !== undefined) args[name] = env[name]!;
  }
  return args;
}

function printWarnings(warnings: Warning[]): void {
  for (const warning of warnings) process.stderr.write(sanitiseTerminalText(`bosun: warning: ${warning.message}\n`));
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
