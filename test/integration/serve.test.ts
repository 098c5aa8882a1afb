import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { readStore, startServe } from '../helpers/serve.js';

/*
 * `bosun serve` as a real process, with an engine socket that does not exist: the service must
 * start, serve and stop whether or not its engines are reachable, so no lab is needed.
 */

const dir = mkdtempSync(path.join(tmpdir(), 'bosun-serve-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const ENV_TOKEN = 'bosun_integration-env-token-0123456789abcdef';

function serveArgs(dataDir: string, port = 0): string[] {
  return ['--data-dir', dataDir, 'serve', '--listen', `127.0.0.1:${port}`, '--engine', `missing=unix://${path.join(dir, 'absent.sock')}`];
}

function urlOf(stderr: string): string {
  const match = /"url":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(stderr);
  assert.ok(match, `no url in the log:\n${stderr}`);
  return match[1]!;
}

test('serve answers, accepts BOSUN_TOKEN and exits 0 on SIGTERM', async () => {
  const dataDir = path.join(dir, 'first');
  const serve = await startServe(serveArgs(dataDir), { BOSUN_TOKEN: ENV_TOKEN });
  const url = urlOf(serve.stderr());

  const health = await fetch(`${url}/healthz`);
  assert.equal(await health.text(), 'ok');
  const status = await fetch(`${url}/api/v1/status`, { headers: { authorization: `Bearer ${ENV_TOKEN}` } });
  assert.equal(status.status, 200);
  const body = (await status.json()) as { monitor: { endpoints: Array<{ name: string }> } };
  assert.deepEqual(body.monitor.endpoints.map((endpoint) => endpoint.name), ['missing']);
  assert.equal((await fetch(`${url}/api/v1/status`)).status, 401);

  serve.child.kill('SIGTERM');
  const exit = await serve.exited;
  assert.deepEqual(exit, { code: 0, signal: null });
  assert.match(serve.stderr(), /"msg":"bosun serve stopped"/);

  const hashes = readStore(dataDir, (db) => db.prepare('select name, scope, token_hash from api_tokens').all() as Array<{ name: string; scope: string; token_hash: string }>);
  assert.ok(hashes.some((row) => row.name === 'BOSUN_TOKEN' && row.scope === 'api'));
  assert.ok(!readStore(dataDir, (db) => JSON.stringify(db.prepare('select * from api_tokens').all())).includes(ENV_TOKEN));
});

test('first start prints tokens once, outside the JSON log', async () => {
  const dataDir = path.join(dir, 'tokens');
  const serve = await startServe(serveArgs(dataDir), {});
  const stderr = serve.stderr();
  serve.child.kill('SIGINT');
  assert.equal((await serve.exited).code, 0);

  const apiToken = /created API token \d+; it is shown only this once:\n\n {4}(bosun_\S+)/.exec(stderr)?.[1];
  assert.ok(apiToken, stderr);
  const feedUrl = /(http:\/\/127\.0\.0\.1:\d+\/feed\.atom\?token=bosun_\S+)/.exec(stderr)?.[1];
  assert.ok(feedUrl, stderr);
  assert.match(stderr, /\/feed\/endpoint\/missing\.atom\?token=/);
  for (const line of stderr.split('\n').filter((line) => line.startsWith('{'))) {
    assert.ok(!line.includes(apiToken), `token in a log line: ${line}`);
  }

  const again = await startServe(serveArgs(dataDir), {});
  again.child.kill('SIGTERM');
  assert.equal((await again.exited).code, 0);
  assert.doesNotMatch(again.stderr(), /created API token|created feed token/);

  const listed = await runCli(['--data-dir', dataDir, 'token', 'list', '--json']);
  assert.equal(listed.code, 0, listed.stderr);
  const tokens = JSON.parse(listed.stdout) as Array<{ scope: string }>;
  assert.deepEqual(tokens.map((token) => token.scope).sort(), ['api', 'feed:all']);
  assert.ok(!listed.stdout.includes(apiToken));
});

test('token create and revoke through the CLI', async () => {
  const dataDir = path.join(dir, 'cli');
  const created = await runCli(['--data-dir', dataDir, 'token', 'create', '--scope', 'feed:endpoint:missing', '--name', 'phone', '--json']);
  assert.equal(created.code, 0, created.stderr);
  const token = JSON.parse(created.stdout) as { id: number; token: string; scope: string };
  assert.equal(token.scope, 'feed:endpoint:missing');

  const bad = await runCli(['--data-dir', dataDir, 'token', 'create', '--scope', 'root', '--name', 'x']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /invalid token scope "root"/);

  const revoked = await runCli(['--data-dir', dataDir, 'token', 'revoke', String(token.id)]);
  assert.equal(revoked.code, 0, revoked.stderr);
  const again = await runCli(['--data-dir', dataDir, 'token', 'revoke', String(token.id)]);
  assert.equal(again.code, 2);
  assert.match(again.stderr, /token \d+ not found/);
});

test('non-loopback listen needs --allow-remote', async () => {
  const result = await runCli(['--data-dir', path.join(dir, 'remote'), 'serve', '--listen', '0.0.0.0:0', '--engine', `unix://${path.join(dir, 'absent.sock')}`], {}, 60_000);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /listen address 0\.0\.0\.0:0 is reachable from other hosts/);
  assert.match(result.stderr, /--allow-remote/);
});

test('config error names the key and exits 2', async () => {
  const file = path.join(dir, 'bad.yaml');
  writeFileSync(file, 'listen: 127.0.0.1:0\nsync:\n  schedule: sometimes\n');
  const result = await runCli(['--data-dir', path.join(dir, 'bad'), 'serve', '--config', file], {}, 60_000);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /bad\.yaml:3:3: sync\.schedule: invalid cron expression/);
});

test('second serve on one data dir is refused', async () => {
  const dataDir = path.join(dir, 'locked');
  const first = await startServe(serveArgs(dataDir), {});
  try {
    const second = await runCli(serveArgs(dataDir));
    assert.equal(second.code, 3, second.stderr);
    assert.match(second.stderr, /is in use by bosun serve \(process \d+\)/);
  } finally {
    first.child.kill('SIGTERM');
    assert.equal((await first.exited).code, 0);
  }

  // The lock goes with the process, so a new start works.
  const again = await startServe(serveArgs(dataDir), {});
  again.child.kill('SIGTERM');
  assert.equal((await again.exited).code, 0);
});

test('failed first start stores no tokens', async () => {
  const dataDir = path.join(dir, 'busy-port');
  const holder = await startServe(serveArgs(path.join(dir, 'port-holder')), {});
  try {
    const port = Number(new URL(urlOf(holder.stderr())).port);
    const failed = await runCli(serveArgs(dataDir, port));
    assert.notEqual(failed.code, 0);
    const listed = await runCli(['--data-dir', dataDir, 'token', 'list', '--json']);
    assert.equal(listed.code, 0, listed.stderr);
    assert.deepEqual(JSON.parse(listed.stdout), []);
  } finally {
    holder.child.kill('SIGTERM');
    await holder.exited;
  }
});
