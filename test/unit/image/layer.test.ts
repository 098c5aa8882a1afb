import assert from 'node:assert/strict';
import { PassThrough, Readable, pipeline } from 'node:stream';
import { test } from 'node:test';
import { createGzip } from 'node:zlib';
import { CompressStream } from 'zstd-napi';
import type { DiffId } from '../../../src/common/digest.js';
import { ImageFormatError } from '../../../src/common/errors.js';
import { walkLayer } from '../../../src/image/layer.js';
import { classifyWhiteout, normalizeTarPath } from '../../../src/image/tar-path.js';
import type { LayerEntry, LayerRef, LayerVisitor } from '../../../src/image/types.js';
import { buildTar, diffIdOf, gzip, memoryLayer, zeros, zstd, type TarEntrySpec } from '../../fixtures/image/tar-builder.js';

const UNKNOWN_DIFF_ID = `sha256:${'0'.repeat(64)}` as DiffId;

/** A visitor that wants the given paths (or everything) and records what it got. */
function recorder(wanted?: string[]): LayerVisitor & { files: Map<string, string>; seen: LayerEntry[] } {
  const files = new Map<string, string>();
  const seen: LayerEntry[] = [];
  return {
    files,
    seen,
    wants(entry) {
      seen.push(entry);
      return wanted === undefined || wanted.includes(entry.path);
    },
    onFile(entry, content) {
      files.set(entry.path, content.toString('utf8'));
    },
  };
}

async function walkEntries(entries: TarEntrySpec[], visitor: LayerVisitor = recorder(), options = {}) {
  const tar = await buildTar(entries);
  return walkLayer(memoryLayer(tar, diffIdOf(tar)), visitor, options);
}

test('normalizeTarPath table', () => {
  const cases: Array<[string, string | undefined]> = [
    ['etc/passwd', 'etc/passwd'],
    ['./etc/passwd', 'etc/passwd'],
    ['/etc/passwd', 'etc/passwd'],
    ['//etc//./passwd', 'etc/passwd'],
    ['usr/lib/', 'usr/lib'],
    ['./', ''],
    ['a/../b', 'b'],
    ['../etc/passwd', undefined],
    ['a/../../etc/passwd', undefined],
    ['/../x', undefined],
  ];
  for (const [input, expected] of cases) assert.equal(normalizeTarPath(input), expected, input);
});

test('classifyWhiteout table', () => {
  assert.deepEqual(classifyWhiteout('etc/.wh.passwd'), { kind: 'whiteout', target: 'etc/passwd' });
  assert.deepEqual(classifyWhiteout('.wh.opt'), { kind: 'whiteout', target: 'opt' });
  assert.deepEqual(classifyWhiteout('var/cache/.wh..wh..opq'), { kind: 'opaque', directory: 'var/cache' });
  assert.deepEqual(classifyWhiteout('.wh..wh..opq'), { kind: 'opaque', directory: '' });
  assert.deepEqual(classifyWhiteout('x/.wh..wh.plnk'), { kind: 'reserved' });
  assert.deepEqual(classifyWhiteout('x/a.wh.b'), { kind: 'none' });
});

test('walk reports whiteouts and opaque dirs', async () => {
  const visitor = recorder();
  const result = await walkEntries(
    [
      { name: 'etc/', type: 'directory' },
      { name: 'etc/.wh.shadow' },
      { name: './var/cache/.wh..wh..opq' },
      { name: 'usr/.wh..wh.plnk' },
      { name: 'etc/hostname', content: 'box\n' },
    ],
    visitor,
  );
  assert.deepEqual(result.whiteouts, ['etc/shadow']);
  assert.deepEqual(result.opaqueDirs, ['var/cache']);
  assert.deepEqual(result.nonDirectories, ['etc/hostname']);
  assert.equal(result.entries, 2);
  assert.deepEqual(
    visitor.seen.map((entry) => entry.path),
    ['etc/hostname'],
  );
});

test('walk normalises absolute and dot paths', async () => {
  const visitor = recorder();
  const result = await walkEntries(
    [
      { name: '/etc/os-release', content: 'ID=debian\n' },
      { name: './usr/lib/', type: 'directory' },
      { name: './usr/lib/x', content: 'x' },
    ],
    visitor,
  );
  assert.deepEqual([...visitor.files.keys()], ['etc/os-release', 'usr/lib/x']);
  assert.deepEqual(result.nonDirectories, ['etc/os-release', 'usr/lib/x']);
  assert.equal(result.warnings.length, 0);
});

test('walk skips dot-dot escape with warning', async () => {
  const visitor = recorder();
  const result = await walkEntries([{ name: '../etc/passwd', content: 'root:x:0:0' }, { name: 'ok', content: '1' }], visitor);
  assert.deepEqual([...visitor.files.keys()], ['ok']);
  assert.equal(result.warnings.length, 1);
  assert.equal(result.warnings[0]?.code, 'layer.path-escape');
  assert.equal(result.warnings[0]?.path, '../etc/passwd');
  assert.match(result.warnings[0]?.message ?? '', /\.\.\/etc\/passwd/);
  assert.ok(result.warnings[0]?.layer?.startsWith('sha256:'));
});

test('hard link to earlier file gets content', async () => {
  const visitor = recorder();
  const result = await walkEntries(
    [
      { name: 'usr/bin/python3.11', content: 'ELF' },
      { name: './usr/bin/python3', type: 'link', linkname: './usr/bin/python3.11' },
    ],
    visitor,
  );
  assert.equal(visitor.files.get('usr/bin/python3'), 'ELF');
  const link = visitor.seen.find((entry) => entry.path === 'usr/bin/python3');
  assert.equal(link?.type, 'hardlink');
  assert.equal(link?.linkTarget, 'usr/bin/python3.11');
  assert.equal(link?.size, 3);
  assert.equal(result.warnings.length, 0);
});

test('hard link to missing target warns', async () => {
  const visitor = recorder();
  const result = await walkEntries([{ name: 'a', type: 'link', linkname: 'nowhere' }], visitor);
  assert.equal(visitor.files.size, 0);
  assert.deepEqual(
    result.warnings.map((warning) => warning.code),
    ['layer.hardlink-missing'],
  );
});

test('hard link escaping the root is skipped', async () => {
  const result = await walkEntries([{ name: 'a', type: 'link', linkname: '../../etc/shadow' }]);
  assert.deepEqual(
    result.warnings.map((warning) => warning.code),
    ['layer.path-escape'],
  );
  assert.equal(result.entries, 0);
});

test('oversized wanted file warns and is skipped', async () => {
  const visitor = recorder();
  const result = await walkEntries(
    [
      { name: 'big', content: Buffer.alloc(4096, 1) },
      { name: 'small', content: 'ok' },
    ],
    visitor,
    { maxFileBytes: 1024 },
  );
  assert.deepEqual([...visitor.files.keys()], ['small']);
  assert.equal(result.warnings[0]?.code, 'layer.file-too-large');
  assert.equal(result.warnings[0]?.path, 'big');
});

test('symlinks are reported, never followed', async () => {
  const visitor = recorder();
  const result = await walkEntries(
    [
      { name: 'loop-a', type: 'symlink', linkname: 'loop-b' },
      { name: 'loop-b', type: 'symlink', linkname: 'loop-a' },
      { name: 'self', type: 'symlink', linkname: 'self' },
      { name: 'after', content: 'done' },
    ],
    visitor,
  );
  assert.equal(visitor.files.get('after'), 'done');
  assert.deepEqual(result.nonDirectories, ['loop-a', 'loop-b', 'self', 'after']);
  assert.equal(result.entries, 4);
});

test('gzip and zstd layers read by magic bytes', async () => {
  const tar = await buildTar([{ name: 'etc/os-release', content: 'ID=debian\n' }]);
  for (const [name, blob] of [
    ['gzip', gzip(tar)],
    ['zstd', zstd(tar)],
    ['plain', tar],
  ] as const) {
    const visitor = recorder();
    const result = await walkLayer(memoryLayer(blob, diffIdOf(tar)), visitor);
    assert.equal(visitor.files.get('etc/os-release'), 'ID=debian\n', name);
    assert.equal(result.bytes, tar.length, name);
  }
});

test('diffID mismatch is rejected', async () => {
  const tar = await buildTar([{ name: 'a', content: 'a' }]);
  await assert.rejects(walkLayer(memoryLayer(gzip(tar), UNKNOWN_DIFF_ID), recorder()), (error: unknown) => {
    assert.ok(error instanceof ImageFormatError);
    assert.match(error.message, /does not match its diffID/);
    assert.equal(error.layer, UNKNOWN_DIFF_ID);
    return true;
  });
});

test('truncated gzip and zstd fail clearly', async () => {
  const tar = await buildTar([{ name: 'a', content: Buffer.alloc(50_000, 7) }, { name: 'b', content: 'b' }]);
  for (const [name, blob] of [
    ['gzip', gzip(tar)],
    ['zstd', zstd(tar)],
  ] as const) {
    const truncated = blob.subarray(0, Math.floor(blob.length / 2));
    await assert.rejects(walkLayer(memoryLayer(truncated, diffIdOf(tar)), recorder()), (error: unknown) => {
      assert.ok(error instanceof ImageFormatError, name);
      assert.match(error.message, /corrupt or truncated/, name);
      return true;
    });
  }
});

test('truncated plain tar fails', async () => {
  const tar = await buildTar([{ name: 'a', content: Buffer.alloc(5000, 7) }]);
  const truncated = tar.subarray(0, 1000);
  await assert.rejects(walkLayer(memoryLayer(truncated, diffIdOf(tar)), recorder()), ImageFormatError);
});

test('corrupt tar header fails', async () => {
  const garbage = Buffer.alloc(2048, 0x41);
  await assert.rejects(walkLayer(memoryLayer(garbage, diffIdOf(garbage)), recorder()), (error: unknown) => {
    assert.ok(error instanceof ImageFormatError);
    assert.match(error.message, /corrupt or truncated/);
    return true;
  });
});

test('gzip bomb over maxLayerBytes aborts', async () => {
  const counter = { produced: 0 };
  const layer: LayerRef = {
    diffId: UNKNOWN_DIFF_ID,
    open: async () => pipeline(zeros(2 * 1024 * 1024 * 1024, counter), createGzip({ level: 1 }), () => {}),
  };
  await assert.rejects(walkLayer(layer, recorder(), { maxLayerBytes: 8 * 1024 * 1024 }), (error: unknown) => {
    assert.ok(error instanceof ImageFormatError);
    assert.match(error.message, /exceeds the maximum uncompressed size/);
    return true;
  });
  assert.ok(counter.produced < 512 * 1024 * 1024, `the generator ran on to ${counter.produced} bytes`);
});

test('gzip bomb over ratio aborts', async () => {
  const layer: LayerRef = { diffId: UNKNOWN_DIFF_ID, open: async () => pipeline(zeros(2 * 1024 * 1024 * 1024), createGzip({ level: 9 }), () => {}) };
  await assert.rejects(walkLayer(layer, recorder()), (error: unknown) => {
    assert.ok(error instanceof ImageFormatError);
    assert.match(error.message, /over the ratio of 1000/);
    return true;
  });
});

test('zstd bomb over ratio aborts', async () => {
  const layer: LayerRef = { diffId: UNKNOWN_DIFF_ID, open: async () => pipeline(zeros(2 * 1024 * 1024 * 1024), new CompressStream(), () => {}) };
  await assert.rejects(walkLayer(layer, recorder()), (error: unknown) => {
    assert.ok(error instanceof ImageFormatError);
    assert.match(error.message, /over the ratio of 1000|exceeds the maximum/);
    return true;
  });
});

test('abort signal stops a stalled walk', async () => {
  const tar = await buildTar([{ name: 'first', content: 'x' }]);
  const source = new PassThrough();
  source.write(tar.subarray(0, 1024));
  const controller = new AbortController();
  const visitor: LayerVisitor = {
    wants: () => true,
    onFile: () => controller.abort(new Error('stop requested')),
  };
  const layer: LayerRef = { diffId: diffIdOf(tar), open: async () => source };
  await assert.rejects(walkLayer(layer, visitor, { signal: controller.signal }), /stop requested/);
  assert.ok(source.destroyed);
});

test('already aborted signal rejects before opening', async () => {
  let opened = false;
  const layer: LayerRef = {
    diffId: UNKNOWN_DIFF_ID,
    open: async () => {
      opened = true;
      return Readable.from([]);
    },
  };
  await assert.rejects(walkLayer(layer, recorder(), { signal: AbortSignal.abort() }), { name: 'AbortError' });
  assert.equal(opened, false);
});

test('stalled source times out', async () => {
  const source = new PassThrough();
  const layer: LayerRef = { diffId: UNKNOWN_DIFF_ID, open: async () => source };
  await assert.rejects(walkLayer(layer, recorder(), { idleTimeoutMs: 50 }), /timed out/);
  assert.ok(source.destroyed);
});

test('visitor error rejects the walk', async () => {
  const visitor: LayerVisitor = {
    wants: () => true,
    onFile: () => {
      throw new Error('visitor failed');
    },
  };
  await assert.rejects(walkEntries([{ name: 'a', content: 'a' }], visitor), /visitor failed/);
});

test('progress is reported per MiB', async () => {
  const tar = await buildTar([{ name: 'big', content: Buffer.alloc(3 * 1024 * 1024 + 10, 1) }]);
  const reports: number[] = [];
  await walkLayer(memoryLayer(gzip(tar), diffIdOf(tar)), recorder([]), { onProgress: (bytes) => reports.push(bytes) });
  assert.ok(reports.length >= 3 && reports.length <= 5, `reports: ${reports.join(',')}`);
  assert.equal(reports.at(-1), tar.length);
});
