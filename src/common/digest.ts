import { createHash } from 'node:crypto';
import { InputError } from './errors.js';

/**
 * Content digests. A `Digest` names a blob as stored (a compressed layer, a manifest, a config);
 * a `DiffId` names an uncompressed layer tar. The two are never interchangeable: the same
 * layer pushed by two tools can have two digests but always has one diffID.
 */
export type Digest = string & { readonly __brand: 'Digest' };
export type DiffId = string & { readonly __brand: 'DiffId' };

const DIGEST_PATTERN = /^(sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/;

export function isDigest(value: string): boolean {
  return DIGEST_PATTERN.test(value);
}

/** Validates `value` as `algorithm:hex`; throws an InputError naming `what` otherwise. */
export function parseDigest(value: string, what = 'digest'): Digest {
  if (!isDigest(value)) {
    throw new InputError(`invalid ${what} "${truncate(value)}": expected sha256:<64 hex> or sha512:<128 hex>`);
  }
  return value as Digest;
}

export function parseDiffId(value: string, what = 'diffID'): DiffId {
  return parseDigest(value, what) as unknown as DiffId;
}

export function sha256(data: Buffer | string): Digest {
  return `sha256:${createHash('sha256').update(data).digest('hex')}` as Digest;
}

/** Shortens an untrusted string before it goes into a message. */
export function truncate(value: string, max = 120): string {
  return value.length <= max ? value : `${value.slice(0, max)}…`;
}
