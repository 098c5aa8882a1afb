import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const root = mkdtempSync(path.join(tmpdir(), 'bosun-trust-cli-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** Runs the CLI from source with its own data directory; no engine or registry is contacted. */
function bosun(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'src/cli/main.ts'), '--data-dir', path.join(root, 'data'), ...args], { encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

test('base list prints JSON', () => {
  const policy = path.join(root, 'policy.yaml');
  writeFileSync(policy, 'trustedBases:\n  - repository: 127.0.0.1:5000/lab/debian\n    tags: [bookworm]\n');
  for (const args of [['trust', 'base', 'list', '--format', 'json', '--policy', policy], ['trust', '--format', 'json', 'base', 'list', '--policy', policy]]) {
    const result = bosun(args);
    assert.equal(result.status, 0, result.stderr);
    assert.deepEqual(JSON.parse(result.stdout), [{ repository: '127.0.0.1:5000/lab/debian', tags: ['bookworm'] }], args.join(' '));
  }
  const text = bosun(['trust', 'base', 'list', '--policy', policy]);
  assert.match(text.stdout, /^127\.0\.0\.1:5000\/lab\/debian {2}\(tags bookworm; any digest\)$/m);
});

test('usage errors exit 2', () => {
  const cases = [
    ['trust', '127.0.0.1:5000/lab/app:1', '--format', 'xml'],
    ['trust', '127.0.0.1:5000/lab/app:1', '--bogus'],
    ['trust', 'a:1', 'b:1'],
    ['audit', 'approve', root],
  ];
  for (const args of cases) assert.equal(bosun(args).status, 2, args.join(' '));
});

test('base list describes empty pins', () => {
  const policy = path.join(root, 'pins.yaml');
  writeFileSync(policy, 'trustedBases:\n  - repository: 127.0.0.1:5000/lab/none\n    digests: []\n  - repository: 127.0.0.1:5000/lab/any\n');
  const result = bosun(['trust', 'base', 'list', '--policy', policy]);
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stdout, /^127\.0\.0\.1:5000\/lab\/none {2}\(no digest allowed: digests is empty\)$/m);
  assert.match(result.stdout, /^127\.0\.0\.1:5000\/lab\/any {2}\(any digest\)$/m);
});

test('missing named policy exits 2', () => {
  const missing = path.join(root, 'no-such-policy.yaml');
  for (const args of [['trust', '--offline', '--policy', missing, 'docker-archive:/nonexistent.tar'], ['trust', 'base', 'list', '--policy', missing]]) {
    const result = bosun(args);
    assert.equal(result.status, 2, args.join(' '));
    assert.match(result.stderr, /policy file .*no-such-policy\.yaml does not exist/, args.join(' '));
  }
  const fallback = bosun(['trust', 'base', 'list']);
  assert.equal(fallback.status, 0, fallback.stderr);
  assert.match(fallback.stdout, /^no trusted bases in .*policy\.yaml$/m, 'the default path may be absent');
});
