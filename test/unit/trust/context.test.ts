import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { InputError } from '../../../src/common/errors.js';
import { diffApprovals, pinBuildContext, type ContextPin } from '../../../src/trust/audit/index.js';

const roots: string[] = [];
after(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

/** Creates a directory with `files` (path → content) and returns its path. */
function makeTree(files: Record<string, string>): string {
  const root = mkdtempSync(path.join(tmpdir(), 'bosun-context-'));
  roots.push(root);
  for (const [relative, content] of Object.entries(files)) write(root, relative, content);
  return root;
}

function write(root: string, relative: string, content: string): void {
  const file = path.join(root, relative);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, content);
}

const DOCKERFILE = [
  'FROM scratch AS build',
  'COPY src/ /src/',
  'COPY config/*.yaml /etc/app/',
  'RUN --mount=type=bind,source=go.mod,target=/go.mod true',
  'FROM scratch',
  'COPY --from=build /src /src',
  'COPY link.txt /link.txt',
  'USER 1000',
  '',
].join('\n');

function standardContext(): string {
  const root = makeTree({
    'ctx/Dockerfile': DOCKERFILE,
    'ctx/.dockerignore': 'src/**/*.tmp\n',
    'ctx/src/main.go': 'package main\n',
    'ctx/src/sub/util.go': 'package sub\n',
    'ctx/src/cache.tmp': 'ignored\n',
    'ctx/config/app.yaml': 'a: 1\n',
    'ctx/config/app.json': '{}\n',
    'ctx/go.mod': 'module x\n',
    'ctx/unused.txt': 'not read by the build\n',
    'ctx/real.txt': 'target\n',
    'outside/secret.txt': 'do not read\n',
  });
  symlinkSync('real.txt', path.join(root, 'ctx/link.txt'));
  return path.join(root, 'ctx');
}

async function pin(context: string, dockerfile = 'Dockerfile'): Promise<ContextPin> {
  return pinBuildContext({ contextDir: context, dockerfile: path.join(context, dockerfile) });
}

test('context pins read files', async () => {
  const context = standardContext();
  const result = await pin(context);
  assert.deepEqual(
    result.files.map((file) => `${file.kind} ${file.path}`),
    [
      'file .dockerignore',
      'file Dockerfile',
      'file config/app.yaml',
      'file go.mod',
      'symlink link.txt',
      'file real.txt',
      'file src/main.go',
      'file src/sub/util.go',
    ],
  );
  assert.match(result.digest, /^sha256:[0-9a-f]{64}$/);
  assert.equal(result.dockerfile.text, DOCKERFILE);
  assert.deepEqual(result.warnings, []);
});

test('context digest is stable', async () => {
  const first = await pin(standardContext());
  const second = await pin(standardContext());
  assert.equal(first.digest, second.digest);
});

test('context digest tracks pinned files', async () => {
  const changes: Array<[string, string]> = [
    ['src/main.go', 'package main // changed\n'],
    ['config/app.yaml', 'a: 2\n'],
    ['go.mod', 'module y\n'],
    ['real.txt', 'new target\n'],
    ['.dockerignore', 'src/**/*.tmp\n# edited\n'],
    ['Dockerfile', `${DOCKERFILE}# comment\n`],
    ['src/new.go', 'package main\n'],
  ];
  const baseline = (await pin(standardContext())).digest;
  for (const [file, content] of changes) {
    const context = standardContext();
    write(context, file, content);
    assert.notEqual((await pin(context)).digest, baseline, file);
  }
});

test('context digest ignores other files', async () => {
  const baseline = (await pin(standardContext())).digest;
  const unchanged: Array<[string, string]> = [
    ['unused.txt', 'changed\n'],
    ['src/cache.tmp', 'ignored by .dockerignore\n'],
    ['config/app.json', '{"not": "matched by *.yaml"}\n'],
    ['../outside/secret.txt', 'outside the context\n'],
  ];
  for (const [file, content] of unchanged) {
    const context = standardContext();
    write(context, file, content);
    assert.equal((await pin(context)).digest, baseline, file);
  }
});

test('symlink outside context not followed', async () => {
  const context = standardContext();
  rmSync(path.join(context, 'link.txt'));
  symlinkSync('../outside/secret.txt', path.join(context, 'link.txt'));
  mkdirSync(path.join(context, 'src/deep'));
  symlinkSync('../../../outside', path.join(context, 'src/deep/escape'));

  const result = await pin(context);
  assert.ok(!result.files.some((file) => file.path.includes('secret')), JSON.stringify(result.files));
  assert.equal(result.files.find((file) => file.path === 'link.txt')?.kind, 'symlink');
  assert.equal(result.files.find((file) => file.path === 'src/deep/escape')?.kind, 'symlink');
  assert.deepEqual(result.warnings.map((warning) => warning.code), ['context.symlink-outside']);

  // Changing the outside file must not change the pin: it was never read.
  write(context, '../outside/secret.txt', 'changed\n');
  assert.equal((await pin(context)).digest, result.digest);
});

test('directory symlink on source path', async () => {
  const context = makeTree({ 'Dockerfile': 'FROM scratch\nCOPY data/file.txt /f\nUSER 1\n' });
  const outside = makeTree({ 'file.txt': 'secret\n' });
  symlinkSync(outside, path.join(context, 'data'));
  const result = await pin(context);
  assert.deepEqual(result.files.map((file) => file.path), ['Dockerfile']);
  // The source is skipped, so for the build it is also missing.
  assert.deepEqual(result.warnings.map((warning) => warning.code), ['context.symlink-outside', 'context.not-found']);
});

test('source above context root', async () => {
  // BuildKit stops `..` at the context root, so "../x" reads the context's own "x".
  const context = makeTree({ 'Dockerfile': 'FROM scratch\nCOPY ../x /x\nUSER 1\n', 'x': 'inside\n' });
  const result = await pin(context);
  assert.deepEqual(result.files.map((file) => file.path), ['Dockerfile', 'x']);
});

test('unresolved source pins everything', async () => {
  const context = makeTree({ 'Dockerfile': 'FROM scratch\nCOPY ${DIR}/app /app\nUSER 1\n', 'a': '1', 'b/c': '2' });
  const result = await pin(context);
  assert.deepEqual(result.files.map((file) => file.path), ['Dockerfile', 'a', 'b/c']);
  assert.deepEqual(result.warnings.map((warning) => warning.code), ['context.unresolved']);
});

test('Dockerfile-specific dockerignore wins', async () => {
  const context = makeTree({
    'build/app.Dockerfile': 'FROM scratch\nCOPY . /\nUSER 1\n',
    'build/app.Dockerfile.dockerignore': 'secret.txt\n',
    '.dockerignore': '*\n',
    'secret.txt': 'x',
    'main.go': 'package main\n',
  });
  const result = await pin(context, 'build/app.Dockerfile');
  assert.deepEqual(result.files.map((file) => file.path), ['.dockerignore', 'build/app.Dockerfile', 'build/app.Dockerfile.dockerignore', 'main.go']);
});

test('missing source is a warning', async () => {
  const context = makeTree({ 'Dockerfile': 'FROM scratch\nCOPY missing.txt /m\nUSER 1\n' });
  const result = await pin(context);
  assert.deepEqual(result.warnings.map((warning) => warning.code), ['context.not-found']);
});

test('file limit and invalid inputs', async () => {
  const context = makeTree({ 'Dockerfile': 'FROM scratch\nCOPY . /\nUSER 1\n', 'a': '1', 'b': '2', 'c': '3' });
  await assert.rejects(pinBuildContext({ contextDir: context, dockerfile: path.join(context, 'Dockerfile'), maxFiles: 2 }), /more than 2 context files/);
  await assert.rejects(pinBuildContext({ contextDir: path.join(context, 'nope'), dockerfile: path.join(context, 'Dockerfile') }), InputError);
  await assert.rejects(pinBuildContext({ contextDir: context, dockerfile: path.join(context, 'nope') }), /Dockerfile ".*nope" cannot be read/);
});

test('aborted pin rejects', async () => {
  const context = makeTree({ 'Dockerfile': 'FROM scratch\nCOPY . /\nUSER 1\n', 'a': '1' });
  const controller = new AbortController();
  controller.abort();
  await assert.rejects(pinBuildContext({ contextDir: context, dockerfile: path.join(context, 'Dockerfile'), signal: controller.signal }), { name: 'AbortError' });
});

test('approval diff lists changes', async () => {
  const context = standardContext();
  const approved = await pin(context);
  write(context, 'src/main.go', 'package main // changed\n');
  write(context, 'src/added.go', 'package main\n');
  rmSync(path.join(context, 'src/sub/util.go'));
  write(context, 'Dockerfile', DOCKERFILE.replace('COPY link.txt /link.txt', 'COPY real.txt /link.txt'));

  const diff = diffApprovals(approved, await pin(context));
  assert.deepEqual(diff.added, ['src/added.go']);
  assert.deepEqual(diff.removed, ['link.txt', 'src/sub/util.go']);
  assert.deepEqual(diff.changed, ['Dockerfile', 'src/main.go']);
  assert.equal(
    diff.dockerfileDiff,
    [
      '--- a/Dockerfile',
      '+++ b/Dockerfile',
      '@@ -4,5 +4,5 @@',
      ' RUN --mount=type=bind,source=go.mod,target=/go.mod true',
      ' FROM scratch',
      ' COPY --from=build /src /src',
      '-COPY link.txt /link.txt',
      '+COPY real.txt /link.txt',
      ' USER 1000',
      '',
    ].join('\n'),
  );
});

test('ignored directory with exception pinned', async () => {
  const context = makeTree({
    'Dockerfile': 'FROM scratch\nCOPY docs/ /docs/\nUSER 1\n',
    '.dockerignore': 'docs\n!docs/keep.md\n',
    'docs/keep.md': 'kept\n',
    'docs/drop.md': 'dropped\n',
    'docs/sub/deep.md': 'dropped too\n',
  });
  const approved = await pin(context);
  assert.deepEqual(approved.files.map((file) => file.path), ['.dockerignore', 'Dockerfile', 'docs/keep.md']);
  assert.deepEqual(approved.warnings, []);

  write(context, 'docs/keep.md', 'edited after approval\n');
  const diff = diffApprovals(approved, await pin(context));
  assert.deepEqual(diff.changed, ['docs/keep.md']);
});

test('ignored directory exception table', async () => {
  const cases: Array<[string, string[]]> = [
    ['docs\n!docs/**/*.md\n', ['docs/keep.md', 'docs/sub/deep.md']],
    ['docs\n!*/keep.md\n', ['docs/keep.md']],
    ['docs\n!other/keep.md\n', []],
    ['docs\n', []],
  ];
  for (const [ignore, expected] of cases) {
    const context = makeTree({
      'Dockerfile': 'FROM scratch\nCOPY docs /docs\nUSER 1\n',
      '.dockerignore': ignore,
      'docs/keep.md': 'kept\n',
      'docs/sub/deep.md': 'deep\n',
      'docs/sub/deep.txt': 'deep\n',
    });
    const result = await pin(context);
    const pinned = result.files.map((file) => file.path).filter((file) => file.startsWith('docs/'));
    assert.deepEqual(pinned, expected, JSON.stringify(ignore));
  }
});

test('ADD of expanded URL pins nothing', async () => {
  const context = makeTree({ 'Dockerfile': 'FROM scratch\nARG URL=https://example.invalid/x.tar.gz\nADD ${URL} /x\nUSER 1\n' });
  const result = await pin(context);
  assert.deepEqual(result.files.map((file) => file.path), ['Dockerfile']);
  assert.deepEqual(result.warnings, [], 'a URL is not a context path');
});

test('executable bit change is a change', async () => {
  const context = makeTree({ 'Dockerfile': 'FROM scratch\nCOPY run.sh /run.sh\nUSER 1\n', 'run.sh': '#!/bin/sh\necho hi\n' });
  chmodSync(path.join(context, 'run.sh'), 0o644);
  const approved = await pin(context);
  assert.equal(approved.files.find((file) => file.path === 'run.sh')?.executable, undefined);

  chmodSync(path.join(context, 'run.sh'), 0o755);
  const current = await pin(context);
  assert.equal(current.files.find((file) => file.path === 'run.sh')?.executable, true);
  assert.notEqual(current.digest, approved.digest);
  assert.deepEqual(diffApprovals(approved, current).changed, ['run.sh']);

  chmodSync(path.join(context, 'run.sh'), 0o664);
  assert.equal((await pin(context)).digest, approved.digest, 'other permission bits follow the umask and are not pinned');
});
