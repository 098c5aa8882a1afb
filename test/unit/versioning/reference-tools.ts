import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';

/**
 * Runs the real dpkg and rpm on many version pairs at once, for differential tests. Both tools
 * must be installed: a missing tool is a test failure, never a skip, because these tests are
 * what keeps the dpkg and rpm schemes honest.
 */

const TOOL_TIMEOUT_MS = 300_000;

function withPairFile<T>(pairs: ReadonlyArray<readonly [string, string]>, run: (directory: string, pairFile: string) => T): T {
  const directory = mkdtempSync(path.join(tmpdir(), 'bosun-versioning-'));
  try {
    const pairFile = path.join(directory, 'pairs.tsv');
    writeFileSync(pairFile, pairs.map(([a, b]) => `${a}\t${b}\n`).join(''));
    return run(directory, pairFile);
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

function runTool(tool: string, args: string[], hint: string): string {
  const result = spawnSync(tool, args, { encoding: 'utf8', timeout: TOOL_TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024 });
  if (result.error !== undefined) {
    const code = (result.error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new Error(`${tool} not found. ${hint}`);
    throw new Error(`${tool} failed: ${result.error.message}`, { cause: result.error });
  }
  if (result.status !== 0 || result.stderr.trim() !== '') {
    // Status 127 is the shell's "command not found".
    const advice = result.status === 127 ? ` ${hint}` : '';
    throw new Error(`${tool} exited with status ${result.status}: ${result.stderr.trim().slice(0, 2000)}${advice}`);
  }
  return result.stdout;
}

/** The sign of one comparison: -1, 0 or 1. */
export type Sign = -1 | 0 | 1;

function parseSigns(output: string, expected: number, tool: string): Sign[] {
  const signs = output
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => Number(line));
  if (signs.length !== expected || signs.some((value) => value !== -1 && value !== 0 && value !== 1)) {
    throw new Error(`${tool} returned ${signs.length} results for ${expected} pairs: ${output.slice(0, 500)}`);
  }
  return signs as Sign[];
}

/** Parallel bash loops for dpkg, which starts one process per comparison. */
const DPKG_WORKERS = Math.min(4, availableParallelism());

/**
 * Compares every pair with `dpkg --compare-versions`: the pairs are split into a few chunks,
 * each compared by one bash loop with at most two dpkg runs a pair. Any warning dpkg prints, for
 * example about an invalid version, fails the run.
 */
export function dpkgCompare(pairs: ReadonlyArray<readonly [string, string]>): Sign[] {
  const script = [
    'command -v dpkg >/dev/null || { echo "dpkg not found" >&2; exit 127; }',
    'compare_chunk() {',
    '  while IFS=$\'\\t\' read -r a b; do',
    '    if dpkg --compare-versions "$a" lt "$b"; then echo -1',
    '    elif dpkg --compare-versions "$a" eq "$b"; then echo 0',
    '    else echo 1; fi',
    '  done < "$1" > "$1.out"',
    '}',
    'split -n "l/$2" -d -a 3 "$1" "$1.chunk."',
    'for chunk in "$1".chunk.???; do compare_chunk "$chunk" & done',
    'wait',
    'cat "$1".chunk.???.out',
  ].join('\n');
  return withPairFile(pairs, (_directory, pairFile) => {
    const output = runTool('bash', ['-c', script, 'bash', pairFile, String(DPKG_WORKERS)], 'Install dpkg (apt-get install dpkg).');
    return parseSigns(output, pairs.length, 'dpkg');
  });
}

/**
 * Compares every pair with rpm's own EVR comparison, `rpm.vercmp` in rpm's embedded Lua, in a
 * single rpm process.
 */
export function rpmCompare(pairs: ReadonlyArray<readonly [string, string]>): Sign[] {
  return withPairFile(pairs, (directory, pairFile) => {
    const outputFile = path.join(directory, 'signs.txt');
    const scriptFile = path.join(directory, 'compare.lua');
    writeFileSync(
      scriptFile,
      [
        `local out = assert(io.open(${JSON.stringify(outputFile)}, "w"))`,
        `for line in io.lines(${JSON.stringify(pairFile)}) do`,
        '  local a, b = line:match("^(.-)\\t(.*)$")',
        '  out:write(tostring(rpm.vercmp(a, b)), "\\n")',
        'end',
        'out:close()',
      ].join('\n'),
    );
    runTool('rpm', ['--eval', `%{lua: dofile(${JSON.stringify(scriptFile)})}`], 'Install rpm 4.18 or later (apt-get install rpm); the CI installs it.');
    return parseSigns(readFileSync(outputFile, 'utf8'), pairs.length, 'rpm');
  });
}

/**
 * Checks every version with `dpkg --validate-version` in one bash loop and returns whether dpkg
 * accepted it without an error or a warning.
 */
export function dpkgValidate(versions: readonly string[]): boolean[] {
  const script = [
    'command -v dpkg >/dev/null || { echo "dpkg not found" >&2; exit 127; }',
    'while IFS= read -r v; do',
    '  if dpkg --validate-version -- "$v" 2>/dev/null; then echo 1; else echo 0; fi',
    'done < "$1"',
  ].join('\n');
  const directory = mkdtempSync(path.join(tmpdir(), 'bosun-versioning-'));
  try {
    const file = path.join(directory, 'versions.txt');
    writeFileSync(file, versions.map((version) => `${version}\n`).join(''));
    const output = runTool('bash', ['-c', script, 'bash', file], 'Install dpkg (apt-get install dpkg).');
    return output
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => line === '1');
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}
