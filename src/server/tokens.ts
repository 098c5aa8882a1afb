import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { InputError } from '../common/errors.js';
import type { Store } from '../store/index.js';

/**
 * Token scopes. An `api` token reads and writes the whole API and `/metrics`, and a `metrics`
 * token reads only `/metrics`. A `feed:all` token reads every Atom feed, and a
 * `feed:endpoint:NAME` token reads the feed of one engine.
 */
export type TokenScope = 'api' | 'metrics' | 'feed:all' | `feed:endpoint:${string}`;

const SCOPE_PATTERN = /^(api|metrics|feed:all|feed:endpoint:[A-Za-z0-9][-_.A-Za-z0-9]{0,63})$/;
/** Prefix of generated tokens, so secret scanners and people recognise a leaked one. */
const TOKEN_PREFIX = 'bosun_';

/** A stored token, without its hash. */
export interface TokenInfo {
  id: number;
  name: string;
  scope: TokenScope;
  createdAt: string;
  lastUsedAt: string | null;
}

/** Checks a scope string from a flag or request. */
export function parseScope(value: string): TokenScope {
  if (!SCOPE_PATTERN.test(value)) {
    throw new InputError(`invalid token scope "${value.slice(0, 80)}"`, {
      hint: 'use api, metrics, feed:all or feed:endpoint:NAME',
    });
  }
  return value as TokenScope;
}

/** Generates a new random token: the prefix and 32 random bytes in base64url. */
export function generateToken(): string {
  return `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
}

/** Hashes a token for storage: SHA-256, hex. Tokens carry 256 random bits, so no salt or slow hash is needed. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/**
 * Stores a token's hash with a name and scope and returns its id. The plain token is never stored.
 *
 * @throws InputError when the same token is already stored.
 */
export async function storeToken(store: Store, token: string, name: string, scope: TokenScope, now = new Date()): Promise<number> {
  const hash = hashToken(token);
  const existing = await store.db.selectFrom('api_tokens').select('id').where('token_hash', '=', hash).executeTakeFirst();
  if (existing !== undefined) throw new InputError(`this token is already stored as token ${existing.id}`);

  const row = await store.db
    .insertInto('api_tokens')
    .values({ name, scope, token_hash: hash, created_at: now.toISOString(), last_used_at: null })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/** Creates a new token and returns it with its id; the caller shows it once. */
export async function createToken(store: Store, name: string, scope: TokenScope): Promise<{ id: number; token: string }> {
  if (name.trim() === '' || name.length > 100) {
    throw new InputError('invalid token name: expected 1-100 characters', { hint: 'name the token after its user, such as --name grafana' });
  }
  const token = generateToken();
  const id = await storeToken(store, token, name.trim(), scope);
  return { id, token };
}

/** Lists stored tokens, oldest first. */
export async function listTokens(store: Store): Promise<TokenInfo[]> {
  const rows = await store.db.selectFrom('api_tokens').select(['id', 'name', 'scope', 'created_at', 'last_used_at']).orderBy('id').execute();
  return rows.map((row) => ({ id: row.id, name: row.name, scope: row.scope as TokenScope, createdAt: row.created_at, lastUsedAt: row.last_used_at }));
}

/** Deletes a token. Returns false when no token has that id. */
export async function revokeToken(store: Store, id: number): Promise<boolean> {
  const result = await store.db.deleteFrom('api_tokens').where('id', '=', id).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/**
 * Finds the stored token that `token` is. Every stored hash is compared in constant time and
 * the loop never stops early, so the response time does not reveal how much of a hash matched.
 */
export async function findToken(store: Store, token: string): Promise<TokenInfo | undefined> {
  const presented = Buffer.from(hashToken(token), 'hex');
  const rows = await store.db.selectFrom('api_tokens').select(['id', 'name', 'scope', 'token_hash', 'created_at', 'last_used_at']).execute();

  let found: (typeof rows)[number] | undefined;
  for (const row of rows) {
    const stored = Buffer.from(row.token_hash, 'hex');
    if (stored.length === presented.length && timingSafeEqual(stored, presented)) found = row;
  }
  if (found === undefined) return undefined;
  return { id: found.id, name: found.name, scope: found.scope as TokenScope, createdAt: found.created_at, lastUsedAt: found.last_used_at };
}

/** Reports whether a token of `scope` may use something that accepts `accepted`. */
export function scopeAllows(scope: TokenScope, accepted: readonly TokenScope[]): boolean {
  return accepted.includes(scope);
}

/** Tokens that `ensureInitialTokens` created, in plain text for printing once. */
export interface InitialTokens {
  /** A new API token, when the store had none. */
  api?: { id: number; token: string };
  /** A new `feed:all` token, when the store had none. */
  feed?: { id: number; token: string };
  /** True when `BOSUN_TOKEN` was stored now. */
  envTokenStored: boolean;
}

/**
 * Prepares tokens on start: stores `envToken` (from `BOSUN_TOKEN`) with scope `api` when it is
 * new, then creates an API token when there is still none, and a `feed:all` token when there is none.
 */
export async function ensureInitialTokens(store: Store, envToken: string | undefined): Promise<InitialTokens> {
  const result: InitialTokens = { envTokenStored: false };
  if (envToken !== undefined) {
    const known = await findToken(store, envToken);
    if (known === undefined) {
      await storeToken(store, envToken, 'BOSUN_TOKEN', 'api');
      result.envTokenStored = true;
    } else if (known.scope !== 'api') {
      throw new InputError(`BOSUN_TOKEN is stored as token ${known.id} with scope ${known.scope}, not api`, {
        hint: 'set BOSUN_TOKEN to an API token, or revoke that token with bosun token revoke',
      });
    }
  }

  const scopes = new Set((await listTokens(store)).map((token) => token.scope));
  if (!scopes.has('api')) result.api = await createToken(store, 'initial', 'api');
  if (!scopes.has('feed:all')) result.feed = await createToken(store, 'feed', 'feed:all');
  return result;
}
