import { createHash } from 'node:crypto';
import { z } from 'zod';
import { truncate } from '../../common/digest.js';
import { RegistryError } from '../../common/errors.js';
import type { Credentials } from './credentials.js';

/** One challenge of a `WWW-Authenticate` header: the scheme in lowercase and its parameters. */
export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

/**
 * Parses a `WWW-Authenticate` header (RFC 9110, section 11.6.1) into its challenges, for example
 * `Bearer realm="https://auth.docker.io/token",service="registry.docker.io"`. Parameter names
 * are lowercased; quoted values are unescaped. Token68 credentials are ignored because the
 * registry schemes do not use them.
 */
export function parseChallenges(header: string): Challenge[] {
  const challenges: Challenge[] = [];
  const scanner = new Scanner(header);

  while (!scanner.done()) {
    scanner.skip(/[\s,]*/y);
    const name = scanner.take(/[!#$%&'*+.^_`|~0-9A-Za-z-]+/y);
    if (name === undefined) break;

    scanner.skip(/[ \t]*/y);
    if (scanner.peek('=')) {
      // A parameter of the current challenge (a new challenge starts with a bare token).
      scanner.skip(/=[ \t]*/y);
      const value = scanner.quoted() ?? scanner.take(/[^\s,]*/y) ?? '';
      const current = challenges[challenges.length - 1];
      if (current !== undefined) current.params[name.toLowerCase()] = value;
    } else {
      challenges.push({ scheme: name.toLowerCase(), params: {} });
    }
  }
  return challenges;
}

class Scanner {
  private index = 0;

  constructor(private readonly text: string) {}

  done(): boolean {
    return this.index >= this.text.length;
  }

  peek(literal: string): boolean {
    return this.text.startsWith(literal, this.index);
  }

  skip(pattern: RegExp): void {
    this.take(pattern);
  }

  take(pattern: RegExp): string | undefined {
    pattern.lastIndex = this.index;
    const match = pattern.exec(this.text);
    if (match === null || match[0] === '') return undefined;
    this.index += match[0].length;
    return match[0];
  }

  quoted(): string | undefined {
    if (!this.peek('"')) return undefined;
    let value = '';
    for (this.index++; this.index < this.text.length; this.index++) {
      const char = this.text[this.index]!;
      if (char === '"') {
        this.index++;
        return value;
      }
      if (char === '\\' && this.index + 1 < this.text.length) this.index++;
      value += this.text[this.index];
    }
    return value;
  }
}

/** Token lifetime in seconds when the token endpoint sends no `expires_in`, as the distribution token spec defines it. */
export const DEFAULT_TOKEN_LIFETIME_SECONDS = 60;

/** Seconds before expiry at which a cached token is no longer handed out, so it cannot expire in flight. */
const EXPIRY_MARGIN_SECONDS = 5;

/**
 * Bearer tokens by registry, scope and identity, kept until their `expires_in` runs out. The
 * identity is a hash of the credentials, so two users of one process never share a token.
 */
export class TokenCache {
  private readonly entries = new Map<string, { token: string; expiresAt: number }>();

  /** @param now clock in ms, replaced in tests. */
  constructor(private readonly now: () => number = Date.now) {}

  get(key: string): string | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.token;
  }

  set(key: string, token: string, expiresInSeconds: number): void {
    const lifetime = Math.max(0, expiresInSeconds - EXPIRY_MARGIN_SECONDS);
    this.entries.set(key, { token, expiresAt: this.now() + lifetime * 1000 });
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  /** Returns the cache key; the credentials enter it only as a hash. */
  static key(registry: string, scope: string, credentials: Credentials | undefined): string {
    const identity = credentials ? createHash('sha256').update(`${credentials.username}\0${credentials.password}`).digest('hex') : 'anonymous';
    return `${registry}\n${scope}\n${identity}`;
  }
}

/** The token cache clients share unless given their own. */
export const sharedTokenCache = new TokenCache();

const tokenResponseSchema = z.looseObject({
  token: z.string().optional(),
  access_token: z.string().optional(),
  expires_in: z.number().positive().optional(),
  issued_at: z.string().optional(),
});

/** A token endpoint's response: the token and its lifetime in seconds. */
export interface TokenGrant {
  token: string;
  expiresIn: number;
}

/**
 * Validates a token endpoint's JSON response. Docker's token spec names the field `token`;
 * OAuth2-style endpoints send `access_token`, and some send both with the same value.
 *
 * @throws RegistryError `registry.auth_failed` when neither field contains a token.
 */
export function parseTokenResponse(json: unknown, registry: string, realm: URL): TokenGrant {
  const result = tokenResponseSchema.safeParse(json);
  const token = result.success ? (result.data.token || result.data.access_token) : undefined;
  if (!result.success || token === undefined) {
    throw new RegistryError('registry.auth_failed', `token endpoint ${truncate(realm.origin + realm.pathname)} of registry ${registry} returned no token`, {
      registry,
      hint: 'The registry\'s token service answered without a "token" or "access_token" field; report it to its operator.',
    });
  }
  return { token, expiresIn: result.data.expires_in ?? DEFAULT_TOKEN_LIFETIME_SECONDS };
}

/** Returns the value of an `Authorization: Basic` header. */
export function basicAuthorization(credentials: Credentials): string {
  return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`, 'utf8').toString('base64')}`;
}
