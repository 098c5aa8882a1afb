import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import Database from 'better-sqlite3';
import { repoRoot } from './cli.js';

/** A `bosun serve` child process run from source. */
export interface ServeProcess {
  child: ChildProcess;
  /** Everything written to stderr so far: the JSON log and the plain first-start text. */
  stderr(): string;
  /** Resolves with the exit code, or 128 + signal number for a signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Starts `bosun serve` with `args` and waits for its "bosun serve started" log line. Rejects with
 * the collected stderr when the process exits first or `timeoutMs` passes.
 */
export async function startServe(args: string[], env: Record<string, string>, timeoutMs = 60_000): Promise<ServeProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'src/cli/main.ts'), ...args], {
    cwd: repoRoot,
    env: { ...process.env, BOSUN_LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const chunks: Buffer[] = [];
  child.stderr!.on('data', (chunk: Buffer) => chunks.push(chunk));
  child.stdout!.resume();
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const stderr = () => Buffer.concat(chunks).toString('utf8');

  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`bosun serve did not start within ${timeoutMs} ms:\n${stderr()}`));
    }, timeoutMs);
    const check = () => {
      if (!stderr().includes('"msg":"bosun serve started"')) return;
      clearTimeout(timer);
      child.stderr!.off('data', check);
      resolve();
    };
    child.stderr!.on('data', check);
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`bosun serve exited (${code ?? signal}) before it started:\n${stderr()}`));
    });
  });
  return { child, stderr, exited };
}

/** Polls `probe` every 50 ms until it returns a value other than undefined. */
export async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Runs `read` on a read-only connection to the SQLite store of `dataDir`, then closes it. */
export function readStore<T>(dataDir: string, read: (db: Database.Database) => T): T {
  const db = new Database(path.join(dataDir, 'bosun.db'), { readonly: true, fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    return read(db);
  } finally {
    db.close();
  }
}
