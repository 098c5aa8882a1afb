import { BosunError } from '../common/errors.js';

/**
 * A channel failed to deliver a message. `retryable` is decided from the status code or the
 * network error code, never from message text. HTTP 408, 425, 429 and 5xx, SMTP 4xx replies,
 * connection failures and timeouts are retryable. Other statuses mean that the channel config
 * is wrong, so retrying cannot help.
 */
export class NotifyError extends BosunError {
  readonly channel: string;
  /** HTTP status or SMTP reply code, when the receiver responded. */
  readonly status: number | undefined;
  readonly retryable: boolean;
  /** The receiver's `Retry-After` header, unparsed: seconds or an HTTP date. */
  readonly retryAfter: string | undefined;

  constructor(
    code: string,
    message: string,
    details: { channel: string; retryable: boolean; status?: number; retryAfter?: string; hint?: string; cause?: unknown },
  ) {
    super(code, message, { hint: details.hint, cause: details.cause });
    this.channel = details.channel;
    this.status = details.status;
    this.retryable = details.retryable;
    this.retryAfter = details.retryAfter;
  }
}

/** Reports whether an HTTP error status is worth retrying. */
export function isRetryableHttpStatus(status: number): boolean {
  return status === 408 || status === 425 || status === 429 || status >= 500;
}

/**
 * Node TLS verification error codes. A receiver whose certificate fails verification fails the
 * same way on every attempt, so these are permanent although they surface as socket errors.
 */
const TLS_VERIFY_CODES = new Set([
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** Finds a TLS verification error code on an error or its causes. */
export function tlsVerifyCode(error: unknown): string | undefined {
  for (let current = error, depth = 0; current instanceof Error && depth < 5; current = current.cause, depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && TLS_VERIFY_CODES.has(code)) return code;
  }
  return undefined;
}

/** Finds the first `code` property on an error or its causes, such as `ECONNREFUSED`. */
export function errorCode(error: unknown): string | undefined {
  for (let current = error, depth = 0; current instanceof Error && depth < 5; current = current.cause, depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

/**
 * Replaces every occurrence of each secret in `text`, so that an error built from a receiver's
 * response cannot carry a token the receiver echoed back.
 */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let result = text;
  for (const secret of secrets) {
    if (secret.length === 0) continue;
    result = result.split(secret).join('[redacted]');
  }
  return result;
}

/**
 * Parses a `Retry-After` value (delay in seconds or an HTTP date, RFC 9110 section 10.2.3) into
 * milliseconds from `now`. Returns undefined for a missing or malformed value.
 */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;

  // Date.parse also takes "-3" or "1.5" as years, so require the shape of one of the three
  // HTTP-date forms: "Sun, 06 Nov 1994 …", "Sunday, 06-Nov-94 …" or "Sun Nov  6 …".
  const asctime = /^[A-Za-z]{3} [A-Za-z]{3} /.test(trimmed);
  if (!asctime && !/^[A-Za-z]{3,9}, \d/.test(trimmed)) return undefined;
  // asctime carries no zone but means GMT; V8 would read it as local time.
  const date = Date.parse(asctime ? `${trimmed} GMT` : trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}
