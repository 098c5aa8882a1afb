import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { InputError } from '../../../src/common/errors.js';
import { bearerToken, createToken, ensureInitialTokens, findToken, hashToken, listTokens, parseScope, revokeToken } from '../../../src/server/index.js';
import { openStore, type Store } from '../../../src/store/index.js';

let dir: string;
let store: Store;
before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'bosun-tokens-'));
  store = await openStore({ dataDir: dir });
});
after(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

test('first start creates api and feed tokens once', async () => {
  const first = await ensureInitialTokens(store, undefined);
  assert.ok(first.api !== undefined);
  assert.ok(first.feed !== undefined);
  assert.equal((await findToken(store, first.api.token))?.scope, 'api');
  assert.equal((await findToken(store, first.feed.token))?.scope, 'feed:all');

  const second = await ensureInitialTokens(store, undefined);
  assert.equal(second.api, undefined);
  assert.equal(second.feed, undefined);
});

test('only the hash is stored', async () => {
  const { token } = await createToken(store, 'hash-check', 'api');
  const rows = await store.db.selectFrom('api_tokens').select('token_hash').execute();
  assert.ok(rows.some((row) => row.token_hash === hashToken(token)));
  assert.ok(rows.every((row) => !row.token_hash.includes(token) && /^[a-f0-9]{64}$/.test(row.token_hash)));
});

test('BOSUN_TOKEN is stored hashed once', async () => {
  const result = await ensureInitialTokens(store, 'bosun_from-the-environment');
  assert.equal(result.envTokenStored, true);
  const again = await ensureInitialTokens(store, 'bosun_from-the-environment');
  assert.equal(again.envTokenStored, false);
  const found = await findToken(store, 'bosun_from-the-environment');
  assert.equal(found?.name, 'BOSUN_TOKEN');
  assert.equal(found?.scope, 'api');
});

test('BOSUN_TOKEN with a feed scope is rejected', async () => {
  const { token } = await createToken(store, 'phone', 'feed:all');
  await assert.rejects(ensureInitialTokens(store, token), (error: unknown) => error instanceof InputError && /scope feed:all, not api/.test(error.message));
});

test('revoked token is not found', async () => {
  const { id, token } = await createToken(store, 'short-lived', 'metrics');
  assert.equal((await findToken(store, token))?.id, id);
  assert.equal(await revokeToken(store, id), true);
  assert.equal(await findToken(store, token), undefined);
  assert.equal(await revokeToken(store, id), false);
  assert.ok((await listTokens(store)).every((entry) => entry.id !== id));
});

test('near-miss token is not found', async () => {
  const { token } = await createToken(store, 'near', 'api');
  assert.equal(await findToken(store, `${token.slice(0, -1)}A`), undefined);
  assert.equal(await findToken(store, token.slice(0, -1)), undefined);
});

test('scopes', () => {
  for (const scope of ['api', 'metrics', 'feed:all', 'feed:endpoint:local', 'feed:endpoint:build-host.1']) assert.equal(parseScope(scope), scope);
  for (const scope of ['admin', 'feed:', 'feed:endpoint:', 'feed:endpoint:a/b', 'API']) assert.throws(() => parseScope(scope), InputError, scope);
});

test('bearer header parsing', () => {
  const cases: Array<[string | undefined, string | undefined]> = [
    ['Bearer abc', 'abc'],
    ['bearer abc', 'abc'],
    ['BEARER  abc.def-ghi_~+/=', 'abc.def-ghi_~+/='],
    ['Basic abc', undefined],
    ['Bearer', undefined],
    ['Bearer a b', undefined],
    [undefined, undefined],
  ];
  for (const [header, expected] of cases) assert.equal(bearerToken(header), expected, String(header));
});
