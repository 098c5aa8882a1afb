import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { InputError } from '../../../src/common/errors.js';
import { openTarget } from '../../../src/image/index.js';
import { pinBuildContext } from '../../../src/trust/audit/index.js';
import { loadPolicy } from '../../../src/trust/policy/index.js';
import { readRegularFile } from '../../../src/trust/read.js';

const root = mkdtempSync(path.join(tmpdir(), 'bosun-read-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** Creates a FIFO that no process writes to: reading it without checks blocks forever. */
function fifo(name: string): string {
  const file = path.join(root, name);
  mkdirSync(path.dirname(file), { recursive: true });
  execFileSync('mkfifo', [file]);
  return file;
}

const OPTIONS = { maxBytes: 1024, what: 'test file', hint: 'pass a regular file' };
// Each case would hang or read without bound before the check; the timeout turns that into a failure.
const BOUNDED = { timeout: 10_000 };

test('read rejects non-regular files', BOUNDED, async () => {
  const directory = path.join(root, 'a-directory');
  mkdirSync(directory);
  for (const file of [fifo('plain.fifo'), '/dev/zero', '/dev/urandom', directory]) {
    await assert.rejects(readRegularFile(file, OPTIONS), (error: unknown) => error instanceof InputError && /is not a regular file|EISDIR/.test(error.message), file);
  }
});

test('read caps bytes and reports missing', BOUNDED, async () => {
  const large = path.join(root, 'large.txt');
  writeFileSync(large, 'x'.repeat(1025));
  await assert.rejects(readRegularFile(large, OPTIONS), /larger than 1024 bytes/);
  const exact = path.join(root, 'exact.txt');
  writeFileSync(exact, 'y'.repeat(1024));
  assert.equal((await readRegularFile(exact, OPTIONS))?.length, 1024);
  assert.equal(await readRegularFile(path.join(root, 'missing.txt'), OPTIONS), undefined);
});

test('pin rejects FIFO Dockerfile', BOUNDED, async () => {
  const context = path.join(root, 'fifo-dockerfile');
  const dockerfile = fifo('fifo-dockerfile/Dockerfile');
  await assert.rejects(pinBuildContext({ contextDir: context, dockerfile }), /Dockerfile .* is not a regular file/);
  await assert.rejects(pinBuildContext({ contextDir: root, dockerfile: '/dev/urandom' }), /is not a regular file/);
});

test('pin rejects FIFO dockerignore', BOUNDED, async () => {
  const context = path.join(root, 'fifo-ignore');
  fifo('fifo-ignore/.dockerignore');
  writeFileSync(path.join(context, 'Dockerfile'), 'FROM scratch\nUSER 1\n');
  await assert.rejects(pinBuildContext({ contextDir: context, dockerfile: path.join(context, 'Dockerfile') }), /\.dockerignore .* is not a regular file/);
});

test('policy rejects FIFO and devices', BOUNDED, async () => {
  await assert.rejects(loadPolicy(fifo('policy.yaml')), /policy file .* is not a regular file/);
  await assert.rejects(loadPolicy('/dev/zero'), /policy file .* is not a regular file/);
});

test('archive target rejects FIFO and devices', BOUNDED, async () => {
  for (const file of [fifo('image.tar'), '/dev/zero']) {
    await assert.rejects(openTarget(`docker-archive:${file}`), (error: unknown) => error instanceof InputError && /not a regular file/.test(error.message), file);
  }
});
