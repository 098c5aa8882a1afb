import { request } from 'undici';
import { NotifyError, errorCode, isRetryableHttpStatus, redactSecrets, tlsVerifyCode } from './errors.js';
import { singleLine } from './render.js';
import type { ChannelTypeName } from './types.js';

/** One POST to an HTTP receiver. */
export interface HttpPost {
  channel: string;
  type: ChannelTypeName;
  url: URL;
  headers: Record<string, string>;
  body: string;
  signal: AbortSignal;
  timeoutMs: number;
  /** Values to blank out of any error text: tokens, passwords, signing secrets. */
  secrets: readonly string[];
}

/** Maximum bytes of an error response kept for the message. */
const MAX_ERROR_BODY_BYTES = 2048;

/**
 * Sends `post` and resolves on a 2xx status. Rejects with a `NotifyError` classified by status
 * code or network error code, or with `post.signal.reason` when the caller aborts.
 *
 * Messages name the receiver by origin only, because webhook paths and ntfy topics often are
 * the credential themselves.
 */
export async function postHttp(post: HttpPost): Promise<void> {
  post.signal.throwIfAborted();
  const timeout = AbortSignal.timeout(post.timeoutMs);
  const signal = AbortSignal.any([post.signal, timeout]);
  const where = `${post.type} channel "${post.channel}" (${post.url.origin})`;

  let response: Awaited<ReturnType<typeof request>>;
  try {
    response = await request(post.url, {
      method: 'POST',
      headers: post.headers,
      body: post.body,
      signal,
      headersTimeout: post.timeoutMs,
      bodyTimeout: post.timeoutMs,
    });
  } catch (error) {
    if (post.signal.aborted) throw post.signal.reason;
    if (timeout.aborted) {
      throw new NotifyError('notify.timeout', `${where} did not respond within ${post.timeoutMs} ms`, {
        channel: post.channel,
        retryable: true,
        hint: 'Check that the receiver is running and reachable; Bosun retries timeouts.',
      });
    }
    throw requestError(post, where, error);
  }

  if (response.statusCode >= 200 && response.statusCode < 300) {
    // The receiver accepted the message; a failure while draining its reply changes nothing.
    await response.body.dump().catch(() => undefined);
    return;
  }

  const excerpt = await readExcerpt(response.body, signal);
  throw statusError(post, where, response.statusCode, response.headers['retry-after'], excerpt);
}

function requestError(post: HttpPost, where: string, error: unknown): NotifyError {
  const tlsCode = tlsVerifyCode(error);
  if (tlsCode !== undefined) {
    return new NotifyError('notify.tls', `${where}: TLS certificate verification failed (${tlsCode})`, {
      channel: post.channel,
      retryable: false,
      hint: "Give the receiver a certificate the system trusts, or fix the channel URL's host name.",
      cause: error,
    });
  }

  const code = errorCode(error) ?? 'unknown error';
  return new NotifyError('notify.network', `${where} could not be reached (${code})`, {
    channel: post.channel,
    retryable: true,
    hint: 'Check the channel URL and that the receiver is running; Bosun retries network errors.',
    cause: error,
  });
}

function statusError(
  post: HttpPost,
  where: string,
  status: number,
  retryAfter: string | string[] | undefined,
  excerpt: string,
): NotifyError {
  const retryable = isRetryableHttpStatus(status);
  const reply = excerpt.length > 0 ? `: ${singleLine(redactSecrets(excerpt, post.secrets), 200)}` : '';
  return new NotifyError(retryable ? 'notify.unavailable' : 'notify.rejected', `${where} responded with HTTP ${status}${reply}`, {
    channel: post.channel,
    status,
    retryable,
    retryAfter: Array.isArray(retryAfter) ? retryAfter[0] : retryAfter,
    hint: hintForStatus(status),
  });
}

function hintForStatus(status: number): string {
  if (status === 401 || status === 403) return "Check the channel's token or credentials.";
  if (status === 404) return 'Check the channel URL (and topic).';
  if (status === 413) return 'The receiver rejected the message size; raise its limit.';
  if (status === 429) return 'The receiver is rate-limiting Bosun; delivery is retried later.';
  if (status >= 500) return 'The receiver failed; delivery is retried.';
  if (status >= 300 && status < 400) return 'The receiver redirected; put the final URL in the channel config.';
  return 'Check the channel config against the receiver documentation.';
}

async function readExcerpt(body: AsyncIterable<Buffer> & { destroy(): unknown }, signal: AbortSignal): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of body) {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= MAX_ERROR_BODY_BYTES || signal.aborted) break;
    }
  } catch {
    // The excerpt only decorates the error message; the status code already decides the outcome.
  } finally {
    body.destroy();
  }
  return Buffer.concat(chunks).subarray(0, MAX_ERROR_BODY_BYTES).toString('utf8');
}
