import type { Context } from 'hono';
import { describeError } from '../common/errors.js';
import type { RouteSpec, ServerContext } from './context.js';
import { ApiError } from './http.js';
import { findToken, type TokenInfo, type TokenScope } from './tokens.js';

/** `last_used_at` is written at most this often per token, so reads do not turn into writes. */
const LAST_USED_INTERVAL_MS = 60_000;
const lastUsedWrites = new Map<number, number>();

/**
 * Checks the token a request carries against the route's `auth`. API and metrics routes read
 * `Authorization: Bearer TOKEN`; feed routes read the `token` query parameter, because feed
 * readers cannot set headers.
 *
 * @throws ApiError 401 for a missing or unknown token, 403 for a token of another scope.
 */
export async function authenticate(spec: RouteSpec, server: ServerContext, c: Context): Promise<TokenInfo | undefined> {
  if (spec.auth === 'none') return undefined;

  const presented = spec.auth === 'feed' ? c.req.query('token') : bearerToken(c.req.header('authorization'));
  if (presented === undefined || presented === '') {
    c.header('www-authenticate', 'Bearer realm="bosun"');
    const where = spec.auth === 'feed' ? 'a token query parameter' : 'an Authorization: Bearer header';
    throw new ApiError(401, 'unauthorized', `missing token: send ${where}`);
  }

  const token = await findToken(server.store, presented);
  if (token === undefined) {
    c.header('www-authenticate', 'Bearer realm="bosun", error="invalid_token"');
    throw new ApiError(401, 'unauthorized', 'unknown or revoked token');
  }
  if (!acceptedScopes(spec, c).includes(token.scope)) {
    throw new ApiError(403, 'forbidden', `token ${token.id} has scope ${token.scope}, which may not use ${c.req.path}`);
  }

  recordUse(server, token);
  return token;
}

function acceptedScopes(spec: RouteSpec, c: Context): TokenScope[] {
  switch (spec.auth) {
    case 'api':
      return ['api'];
    case 'metrics':
      return ['api', 'metrics'];
    case 'feed': {
      const name = c.req.param('name')?.replace(/\.atom$/, '');
      return name === undefined ? ['feed:all'] : ['feed:all', `feed:endpoint:${name}`];
    }
    default:
      return [];
  }
}

/** Reads the token of an `Authorization: Bearer` header (RFC 6750); the scheme is case-insensitive. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer[ ]+([A-Za-z0-9\-._~+/]+=*)\s*$/i.exec(header ?? '');
  return match?.[1];
}

function recordUse(server: ServerContext, token: TokenInfo): void {
  const now = Date.now();
  if (now - (lastUsedWrites.get(token.id) ?? 0) < LAST_USED_INTERVAL_MS) return;
  lastUsedWrites.set(token.id, now);
  server.store.db
    .updateTable('api_tokens')
    .set({ last_used_at: new Date(now).toISOString() })
    .where('id', '=', token.id)
    .execute()
    .catch((error: unknown) => server.log.warn({ tokenId: token.id, err: describeError(error) }, 'cannot record token use'));
}
