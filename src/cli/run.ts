import { BosunError, describeError } from '../common/errors.js';

/** Exit codes shared by every command. */
export const ExitCode = {
  ok: 0,
  /** `--fail-on` threshold reached, or a check found the target not allowed. */
  policy: 1,
  /** Bad input: a flag, a target, a file. */
  input: 2,
  /** A registry, engine or database failed. */
  failure: 3,
  /** A bug: printed with its stack. */
  internal: 70,
} as const;

/**
 * Prints an error the way the CLI shows it: a BosunError as its message, its hint and the chain
 * of causes, without a stack; anything else with its stack, since it is a bug.
 */
export function reportError(error: unknown, stderr: NodeJS.WritableStream = process.stderr): number {
  if (error instanceof BosunError) {
    stderr.write(`bosun: ${error.message}\n`);
    for (const cause of causes(error)) stderr.write(`  caused by: ${cause}\n`);
    if (error.hint) stderr.write(`  hint: ${error.hint}\n`);
    return error.code.startsWith('input.') ? ExitCode.input : ExitCode.failure;
  }
  // Help and --version exit 0; every other commander error is a usage error, which must not
  // look like exit 1 ("a finding or verdict failed the check").
  if (isSqliteBusy(error)) {
    stderr.write('bosun: the database is locked by another Bosun process that is writing to it\n');
    stderr.write('  hint: wait for that process (an import or a scan) to finish, then run this again\n');
    return ExitCode.failure;
  }
  if (isCommanderExit(error)) return error.exitCode === 0 ? ExitCode.ok : ExitCode.input;
  stderr.write(`bosun: internal error: ${describeError(error)}\n`);
  if (error instanceof Error && error.stack) stderr.write(`${error.stack}\n`);
  stderr.write('This is a bug in Bosun; please report it with the command you ran.\n');
  return ExitCode.internal;
}

function causes(error: Error): string[] {
  const out: string[] = [];
  let current: unknown = error.cause;
  while (current !== undefined && out.length < 5) {
    out.push(describeError(current));
    current = current instanceof Error ? current.cause : undefined;
  }
  return out;
}

function isCommanderExit(error: unknown): error is { exitCode: number } {
  return typeof error === 'object' && error !== null && 'code' in error &&
    typeof (error as { code: unknown }).code === 'string' &&
    (error as { code: string }).code.startsWith('commander.') && 'exitCode' in error;
}

/** Reports whether SQLite gave up waiting for another writer (better-sqlite3 error code SQLITE_BUSY). */
function isSqliteBusy(error: unknown): boolean {
  for (let current = error, depth = 0; current instanceof Error && depth < 6; current = current.cause, depth += 1) {
    if ((current as { code?: unknown }).code === 'SQLITE_BUSY') return true;
  }
  return false;
}
