import type { IncomingHttpHeaders } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import { request, type Dispatcher } from 'undici';
import { truncate } from '../../common/digest.js';
import { describeError, ImageFormatError, RegistryError } from '../../common/errors.js';
import { logger } from '../../common/log.js';
import { allowsPlainHttp } from './endpoint.js';

const log = logger('registry');

/** Retry settings for failed requests. Every field has a default, and tests shorten the delays. */
export interface RetryOptions {
  /** Attempts in total, the first included. Default 4. */
  maxAttempts?: number;
  /** Backoff before the second attempt, doubled for each later one, in ms. Default 500. */
  baseDelayMs?: number;
  /** Max backoff between attempts, in ms. Default 8000. */
  maxDelayMs?: number;
  /** Max wait honoured from a `Retry-After` header, in ms. Default 30000. */
  maxRetryAfterMs?: number;
  /** Waits `ms` milliseconds; rejects when `signal` aborts. Replaced in tests to record delays. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Source of jitter in [0, 1). */
  random?: () => number;
}

type RetrySettings = Required<RetryOptions>;

/** A response whose body the caller must read or dump. */
export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Dispatcher.ResponseData['body'];
  /** The URL that produced this response, after redirects. */
  url: URL;
}

export interface SendOptions {
  method: 'GET' | 'HEAD';
  url: URL;
  headers: Record<string, string>;
  /** Repository the request is about, for error messages. */
  repository?: string;
  signal?: AbortSignal;
  /** Deadline for the whole exchange, body included. Omit for blob streams, which rely on the idle timeout. */
  timeoutMs?: number;
  /** Name of the fetched resource for error messages, such as `blob sha256:… of lab/app`. Default: method and path. */
  subject?: string;
}

const MAX_REDIRECTS = 5;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
/** Error codes of a connection that broke mid-request; the same request may well succeed again. */
const RETRYABLE_ERROR_CODES = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED']);
const TIMEOUT_ERROR_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT', 'ETIMEDOUT']);

/** Sends requests to one registry, with retries, redirects and timeouts. Knows nothing of auth. */
export class HttpTransport {
  private readonly retry: RetrySettings;

  constructor(
    private readonly dispatcher: Dispatcher,
    private readonly registry: string,
    private readonly insecureRegistries: readonly string[],
    retry: RetryOptions = {},
  ) {
    this.retry = {
      maxAttempts: retry.maxAttempts ?? 4,
      baseDelayMs: retry.baseDelayMs ?? 500,
      maxDelayMs: retry.maxDelayMs ?? 8000,
      maxRetryAfterMs: retry.maxRetryAfterMs ?? 30_000,
      sleep: retry.sleep ?? ((ms, signal) => delay(ms, undefined, { signal })),
      random: retry.random ?? Math.random,
    };
  }

  /**
   * Sends a request, retrying on 429, 5xx and broken connections up to `maxAttempts` times.
   * Returns the last response whatever its status, so that the caller maps statuses to errors
   * in one place.
   *
   * @throws RegistryError when the registry cannot be reached or the request times out.
   */
  async send(options: SendOptions): Promise<HttpResponse> {
    for (let attempt = 1; ; attempt++) {
      const last = attempt >= this.retry.maxAttempts;
      const timeout = options.timeoutMs === undefined ? undefined : AbortSignal.timeout(options.timeoutMs);
      const signal = combineSignals(options.signal, timeout);

      let response: HttpResponse;
      try {
        response = await this.sendFollowingRedirects(options, signal);
      } catch (error) {
        if (last || !isRetryableError(error)) throw this.transportError(error, options, timeout);
        await this.wait(attempt, undefined, options, { error: describeError(error) });
        continue;
      }

      if (last || !isRetryableStatus(response.status)) return response;
      await response.body.dump().catch(() => undefined);
      await this.wait(attempt, response.headers['retry-after'], options, { status: response.status });
    }
  }

  /**
   * Maps an error thrown while sending or while reading a body to a RegistryError. An abort by
   * the caller's own signal passes through unchanged.
   */
  transportError(error: unknown, options: SendOptions, timeout?: AbortSignal): unknown {
    if (options.signal?.aborted) return options.signal.reason;
    if (error instanceof RegistryError || error instanceof ImageFormatError) return error;

    const target = `${this.registry}${options.repository ? ` (repository ${options.repository})` : ''}`;
    const subject = options.subject ?? `${options.method} ${truncate(options.url.pathname)}`;
    const code = errorCode(error);
    if (timeout?.aborted || isTimeout(error) || (code !== undefined && TIMEOUT_ERROR_CODES.has(code))) {
      return new RegistryError('registry.timeout', `request to registry ${target} timed out: ${subject}`, {
        registry: this.registry,
        repository: options.repository,
        hint: 'Check that the registry is reachable from this host, or retry later.',
        cause: error,
      });
    }
    return new RegistryError('registry.unreachable', `cannot reach registry ${target} for ${subject}: ${describeError(error)}`, {
      registry: this.registry,
      repository: options.repository,
      hint: 'Check the registry host name and port, the network, and whether it needs "insecureRegistries" for plain http.',
      cause: error,
    });
  }

  private async sendFollowingRedirects(options: SendOptions, signal: AbortSignal | undefined): Promise<HttpResponse> {
    let url = options.url;
    let headers = options.headers;

    for (let hop = 0; ; hop++) {
      log.debug({ registry: this.registry, method: options.method, url: url.origin + url.pathname }, 'registry request');
      const response = await request(url, { method: options.method, headers, signal, dispatcher: this.dispatcher });
      const location = response.headers['location'];
      if (!REDIRECT_STATUSES.has(response.statusCode) || typeof location !== 'string') {
        return { status: response.statusCode, headers: response.headers, body: response.body, url };
      }

      await response.body.dump().catch(() => undefined);
      if (hop >= MAX_REDIRECTS) throw this.redirectError(options, `more than ${MAX_REDIRECTS} redirects`);
      const next = this.redirectTarget(url, location, options);
      // Registries redirect blobs to storage hosts that get their own credentials in the URL;
      // the registry's token must not leak to them.
      if (next.origin !== url.origin) headers = withoutAuthorization(headers);
      url = next;
    }
  }

  private redirectTarget(from: URL, location: string, options: SendOptions): URL {
    let next: URL;
    try {
      next = new URL(location, from);
    } catch (error) {
      throw this.redirectError(options, `invalid Location "${truncate(location)}"`, error);
    }
    if (next.protocol !== 'https:' && next.protocol !== 'http:') {
      throw this.redirectError(options, `Location "${truncate(location)}" is not http or https`);
    }
    if (next.protocol === 'http:' && from.protocol === 'https:' && !allowsPlainHttp(next, this.insecureRegistries)) {
      throw this.redirectError(options, `redirect from https to plain http ("${truncate(next.origin)}")`);
    }
    return next;
  }

  private redirectError(options: SendOptions, reason: string, cause?: unknown): RegistryError {
    return new RegistryError('registry.bad_redirect', `registry ${this.registry} sent a bad redirect for ${options.url.pathname}: ${reason}`, {
      registry: this.registry,
      repository: options.repository,
      hint: 'The registry or its storage backend is misconfigured; report it to its operator.',
      cause,
    });
  }

  private async wait(attempt: number, retryAfter: string | string[] | undefined, options: SendOptions, details: object): Promise<void> {
    const delayMs = this.retryDelay(attempt, typeof retryAfter === 'string' ? retryAfter : undefined);
    log.warn(
      { registry: this.registry, repository: options.repository, path: options.url.pathname, attempt, delayMs, ...details },
      'registry request failed, retrying',
    );
    await this.retry.sleep(delayMs, options.signal);
  }

  private retryDelay(attempt: number, retryAfter: string | undefined): number {
    const requested = parseRetryAfter(retryAfter, Date.now());
    if (requested !== undefined) return Math.min(requested, this.retry.maxRetryAfterMs);

    const backoff = Math.min(this.retry.baseDelayMs * 2 ** (attempt - 1), this.retry.maxDelayMs);
    return Math.round(backoff / 2 + (this.retry.random() * backoff) / 2);
  }
}

/** Parses `Retry-After` as delay-seconds or an HTTP date (RFC 9110, section 10.2.3), in ms. */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;

  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

function isRetryableStatus(status: number): boolean {
  return status === 429 || (status >= 500 && status <= 599);
}

function isRetryableError(error: unknown): boolean {
  const code = errorCode(error);
  return code !== undefined && RETRYABLE_ERROR_CODES.has(code);
}

/** Reports whether `error` comes from `AbortSignal.timeout`, which aborts with a DOMException named `TimeoutError`. */
function isTimeout(error: unknown): boolean {
  return error instanceof Error && error.name === 'TimeoutError';
}

function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') return code;
  return errorCode((error as { cause?: unknown }).cause);
}

function combineSignals(...signals: Array<AbortSignal | undefined>): AbortSignal | undefined {
  const present = signals.filter((signal): signal is AbortSignal => signal !== undefined);
  if (present.length <= 1) return present[0];
  return AbortSignal.any(present);
}

function withoutAuthorization(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => name.toLowerCase() !== 'authorization'));
}

/** Returns the value of a header that should occur once, or undefined when absent. */
export function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Drops a response body without reading it. undici reports a destroyed body as an AbortError
 * event, so a no-op listener keeps that from becoming an uncaught error.
 */
export function discardBody(body: Dispatcher.ResponseData['body']): void {
  body.on('error', () => undefined);
  body.destroy();
}
