#!/usr/bin/env node
// Runs every test file under test/ with node:test and tsx. Node 20's test runner does not expand
// globs, so this lists the files itself. Arguments narrow the run to paths containing them.
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';

function collect(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) {
      if (name !== 'fixtures') out.push(...collect(full));
    } else if (name.endsWith('.test.ts')) {
      out.push(full);
    }
  }
  return out;
}

const filters = process.argv.slice(2);
const files = collect('test').filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)));
if (files.length === 0) {
  console.error(`no test files match ${filters.join(' ')}`);
  process.exit(1);
}
// Unit tests run two files at a time. Integration tests share one lab engine, whose containers
// and images every watcher sees, so they run one file at a time.
const groups = [
  { files: files.filter((f) => !f.includes(`${path.sep}integration${path.sep}`)), concurrency: 2 },
  { files: files.filter((f) => f.includes(`${path.sep}integration${path.sep}`)), concurrency: 1 },
];
let status = 0;
for (const group of groups) {
  if (group.files.length === 0) continue;
  const result = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--test', `--test-concurrency=${group.concurrency}`, '--test-reporter=spec', ...group.files],
    { stdio: 'inherit' },
  );
  if (result.status !== 0) status = result.status ?? 1;
}
process.exit(status);
