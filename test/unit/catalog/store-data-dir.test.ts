import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { BosunError } from '../../../src/common/errors.js';
import { openStore } from '../../../src/store/index.js';

const work = mkdtempSync(path.join(tmpdir(), 'bosun-data-dir-test-'));
after(() => rmSync(work, { recursive: true, force: true }));

test('data dir under /proc is rejected', async () => {
  await assert.rejects(openStore({ dataDir: '/proc/nope/bosun' }), (error: unknown) => {
    assert.ok(error instanceof BosunError, String(error));
    assert.equal(error.code, 'store.datadir');
    assert.match(error.message, /\/proc\/nope/);
    assert.ok(error.hint);
    return true;
  });
});

test('data dir below a file is rejected', async () => {
  const file = path.join(work, 'file');
  writeFileSync(file, 'x');
  await assert.rejects(openStore({ dataDir: path.join(file, 'data') }), /file exists and is not a directory/);
});

test('missing data dir levels are created', async () => {
  const dataDir = path.join(work, 'a', 'b', 'c');
  const store = await openStore({ dataDir });
  await store.close();
  assert.ok(statSync(dataDir).isDirectory());
  assert.equal(statSync(dataDir).mode & 0o777, 0o700);
});
