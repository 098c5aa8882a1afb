/**
 * Runs a command under GNU time and returns its wall time, CPU time and peak RSS.
 *
 * Wall time is taken here with `performance.now()` around the child, so it includes the few
 * milliseconds that `/usr/bin/time` itself adds. CPU time (user + system) and peak RSS come from
 * GNU time, which reads them from `wait4()`: for a command that starts other processes, the RSS
 * is that of the largest single process in the tree, not the sum.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

/** GNU time's path; bench/setup.sh installs it when missing. */
export const GNU_TIME = '/usr/bin/time';

/** One measured run of a command. */
export interface Measurement {
  wallMs: number;
  /** User plus system CPU time of the command and the children it waited for. */
  cpuMs: number;
  /** Peak resident set size of the largest process, in KiB. */
  maxRssKib: number;
  exitCode: number;
  /** The last lines of stderr, kept to explain a failed run. */
  stderrTail: string;
}

/** How to run a measured command. */
export interface MeasureOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Time in milliseconds after which the command is killed and its run counts as failed. */
  timeoutMs: number;
}

/** Runs `argv` once under GNU time and measures it. Stdout is discarded. */
export async function measure(argv: string[], options: MeasureOptions): Promise<Measurement> {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'bosun-bench-time-'));
  const timeFile = path.join(scratch, 'time.txt');
  try {
    const started = performance.now();
    const { exitCode, stderr } = await run([GNU_TIME, '-f', '%U %S %M', '-o', timeFile, ...argv], options);
    const wallMs = performance.now() - started;
    // A killed command leaves no GNU time output; its run counts as failed.
    const usage = existsSync(timeFile) ? parseTime(readFileSync(timeFile, 'utf8')) : { cpuMs: NaN, maxRssKib: NaN };
    return { wallMs, ...usage, exitCode, stderrTail: tail(stderr, 6) };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** Runs `argv` without measuring it: setup steps such as an advisory import. */
export async function runUnmeasured(argv: string[], options: MeasureOptions): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  return run(argv, options, true);
}

function run(argv: string[], options: MeasureOptions, keepStdout = false): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const [command, ...args] = argv;
  if (!command) return Promise.reject(new Error('measure: empty command line'));

  return new Promise((resolve, reject) => {
    // A process group of its own, so that a timeout also kills what the command started
    // (cdxgen runs Trivy, GNU time runs the command).
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env,
      detached: true,
      stdio: ['ignore', keepStdout ? 'pipe' : 'ignore', 'pipe'],
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    }, options.timeoutMs);

    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout?.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      const text = Buffer.concat(stderr).toString('utf8');
      resolve({
        exitCode: code ?? 128,
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: timedOut ? `${text}\ntimed out after ${options.timeoutMs} ms` : signal ? `${text}\nkilled by ${signal}` : text,
      });
    });
  });
}

function parseTime(text: string): Pick<Measurement, 'cpuMs' | 'maxRssKib'> {
  // GNU time prefixes "Command exited with non-zero status N" when the command fails, so the
  // numbers are on the last non-empty line.
  const line = text.trim().split('\n').at(-1) ?? '';
  const [user, system, rss] = line.trim().split(/\s+/).map(Number);
  if (user === undefined || system === undefined || rss === undefined || [user, system, rss].some(Number.isNaN)) {
    throw new Error(`measure: unexpected GNU time output: ${JSON.stringify(text)}`);
  }
  return { cpuMs: (user + system) * 1000, maxRssKib: rss };
}

function tail(text: string, lines: number): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

/** Median of a non-empty list. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] ?? NaN) : ((sorted[middle - 1] ?? NaN) + (sorted[middle] ?? NaN)) / 2;
}
