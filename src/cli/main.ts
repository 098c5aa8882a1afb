#!/usr/bin/env node
import { Command } from 'commander';
import { bosunVersion } from '../common/version.js';
import { commands } from './commands/index.js';
import { reportError } from './run.js';

/** Builds the `bosun` program with every command in `commands`. */
export function buildProgram(): Command {
  const program = new Command('bosun')
    .description('Keep your own containers safe: catalogue images, match advisories, judge trust, rebuild and notify.')
    .version(bosunVersion)
    .option('--data-dir <dir>', 'data directory (default: $BOSUN_DATA_DIR or ~/.local/share/bosun)')
    .option('--database-url <url>', 'PostgreSQL URL instead of the embedded SQLite (default: $BOSUN_DATABASE_URL)')
    .option('--log-level <level>', 'log level on stderr: fatal, error, warn, info, debug (default: warn)')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();

  for (const register of commands) register(program);
  return program;
}

async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    return reportError(error);
  }
}

// A reader that closes the pipe early (`bosun sbom … | head`) is not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

process.exitCode = await main(process.argv);
