import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { Agent, request, type Dispatcher } from 'undici';
import type { z } from 'zod';
import { truncate } from '../common/digest.js';
import { BosunError, EngineError, InputError, describeError } from '../common/errors.js';
import type { EngineEndpoint, EngineTls } from './endpoint.js';
import { classifyConnectionError, statusError, type StatusHints } from './errors.js';

type Method = 'GET' | 'HEAD' | 'POST' | 'DELETE';

/** One API call. `subject` names what it acts on in messages, for example `container web-1`. */
export interface CallOptions {
  method?: Method;
  query?: Record<string, string | number | boolean | undefined>;
  /** Sent as JSON. */
  body?: unknown;
  headers?: Record<string, string>;
  subject: string;
  /** Statuses that count as success besides 2xx, for example 304 for "already started". */
  okStatuses?: number[];
  /** Hints that replace the default for a status, for example on 503 from the swarm API. */
  hints?: StatusHints;
  /** Overrides the client's request timeout, in milliseconds. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface TransportOptions {
  /** Milliseconds a call may take, response body included. */
  timeoutMs: number;
  /** Largest JSON response read, in bytes. */
  maxResponseBytes: number;
}

/** A response whose body is still to be read. */
export interface OpenResponse {
  status: number;
  headers: Dispatcher.ResponseData['headers'];
  body: Dispatcher.ResponseData['body'];
}

/**
 * HTTP to one engine over undici: a unix socket, or TCP with optional TLS client certificates.
 * It does not handle API versions, so callers pass full paths.
 */
export class EngineTransport {
  readonly endpoint: EngineEndpoint;
  private readonly origin: string;
  private readonly agent: Agent;
  private readonly options: TransportOptions;

  constructor(endpoint: EngineEndpoint, options: TransportOptions) {
    this.endpoint = endpoint;
    this.options = options;
    if (endpoint.url.startsWith('unix://')) {
      // The host is ignored on a unix socket; `localhost` keeps the Host header valid.
      this.origin = 'http://localhost';
      this.agent = new Agent({ connect: { socketPath: endpoint.url.slice('unix://'.length) } });
    } else {
      const hostPort = endpoint.url.slice('tcp://'.length);
      this.origin = `${endpoint.tls ? 'https' : 'http'}://${hostPort}`;
      this.agent = new Agent(endpoint.tls ? { connect: tlsConnectOptions(endpoint, hostPort) } : {});
    }
  }

  /** Default milliseconds a call may take. */
  get timeoutMs(): number {
    return this.options.timeoutMs;
  }

  /** Sends a call and validates the JSON response with `schema`. */
  async json<S extends z.ZodType>(path: string, schema: S, call: CallOptions): Promise<z.output<S>> {
    const { status, body } = await this.call(path, call);
    const parsed = parseJson(body, () => `${call.subject} (HTTP ${status})`, this.endpoint);
    const result = schema.safeParse(parsed);
    if (!result.success) {
      throw new EngineError('engine.invalid_response', `${this.describe()} returned an unexpected response for ${call.subject}: ${truncate(result.error.message, 300)}`, {
        endpoint: this.endpoint.url,
        hint: 'check that the address points at a Docker or Podman API socket',
      });
    }
    return result.data;
  }

  /** Sends a call and returns the status and the body, read up to the response limit. */
  async call(path: string, call: CallOptions): Promise<{ status: number; body: Buffer }> {
    const timeoutMs = call.timeoutMs ?? this.options.timeoutMs;
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = call.signal ? AbortSignal.any([call.signal, timeout]) : timeout;
    try {
      const response = await this.open(path, call, signal, { headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
      const body = await readLimited(response.body, this.options.maxResponseBytes, () => this.tooLarge(call.subject));
      return { status: response.status, body };
    } catch (error) {
      if (call.signal?.aborted) throw call.signal.reason;
      if (timeout.aborted) {
        throw new EngineError('engine.timeout', `${this.describe()} did not respond within ${timeoutMs} ms for ${call.subject}`, {
          endpoint: this.endpoint.url,
          hint: 'the engine accepted the connection but did not respond: check that the address is a Docker or Podman API and that the engine is not hung (`docker info`)',
          cause: error,
        });
      }
      if (error instanceof BosunError) throw error;
      throw classifyConnectionError(this.endpoint, this.describe(), call.subject, error);
    }
  }

  /**
   * Sends a call and returns the response with its body unread, after checking the status.
   * The caller must consume or destroy the body. `signal` aborts the request and the body.
   */
  async open(path: string, call: CallOptions, signal: AbortSignal | undefined, timeouts: { headersTimeout: number; bodyTimeout: number }): Promise<OpenResponse> {
    let response: Dispatcher.ResponseData;
    try {
      response = await request(this.url(path, call.query), {
        dispatcher: this.agent,
        method: call.method ?? 'GET',
        headers: call.body === undefined ? call.headers : { 'content-type': 'application/json', ...call.headers },
        body: call.body === undefined ? undefined : JSON.stringify(call.body),
        signal,
        ...timeouts,
      });
    } catch (error) {
      if (signal?.aborted) throw error;
      throw classifyConnectionError(this.endpoint, this.describe(), call.subject, error);
    }

    const ok = (response.statusCode >= 200 && response.statusCode < 300) || (call.okStatuses ?? []).includes(response.statusCode);
    if (ok) return { status: response.statusCode, headers: response.headers, body: response.body };

    const detail = await readLimited(response.body, 64 * 1024, () => this.tooLarge(call.subject)).then(engineMessage, () => '');
    throw statusError(this.endpoint, this.describe(), call.subject, response.statusCode, detail, call.hints);
  }

  async close(): Promise<void> {
    await this.agent.close();
  }

  /** `name (url)`, or just the URL when the name is the URL. */
  describe(): string {
    return this.endpoint.name === this.endpoint.url ? this.endpoint.url : `${this.endpoint.name} (${this.endpoint.url})`;
  }

  private url(path: string, query: CallOptions['query']): string {
    const search = new URLSearchParams();
    for (const [key, value] of Object.entries(query ?? {})) {
      if (value !== undefined) search.set(key, String(value));
    }
    const text = search.toString();
    return `${this.origin}${path}${text === '' ? '' : `?${text}`}`;
  }

  private tooLarge(subject: string): EngineError {
    return new EngineError('engine.invalid_response', `${this.describe()} sent a response over ${this.options.maxResponseBytes} bytes for ${subject}`, {
      endpoint: this.endpoint.url,
      hint: 'raise maxResponseBytes if the engine really has that many objects',
    });
  }
}

function tlsConnectOptions(endpoint: EngineEndpoint, hostPort: string): Record<string, unknown> {
  const tls = endpoint.tls as EngineTls;
  const host = new URL(`https://${hostPort}`).hostname.replace(/^\[(.*)\]$/, '$1');
  const options: Record<string, unknown> = {
    ca: readPem(tls.ca, 'CA certificate', endpoint),
    cert: readPem(tls.cert, 'client certificate', endpoint),
    key: readPem(tls.key, 'client key', endpoint),
    rejectUnauthorized: true,
  };
  // SNI takes host names only; Node warns on an IP address and the certificate check uses the IP anyway.
  if (isIP(host) === 0) options['servername'] = host;
  return options;
}

function readPem(file: string, what: string, endpoint: EngineEndpoint): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw new InputError(`cannot read the ${what} ${file} for engine ${endpoint.name}: ${describeError(error)}`, {
      hint: 'point DOCKER_CERT_PATH (or the endpoint tls settings) at a folder with ca.pem, cert.pem and key.pem',
      cause: error,
    });
  }
}

function parseJson(body: Buffer, what: () => string, endpoint: EngineEndpoint): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw new EngineError('engine.invalid_response', `${endpoint.url} returned invalid JSON for ${what()}`, {
      endpoint: endpoint.url,
      hint: 'check that the address points at a Docker or Podman API socket',
      cause: error,
    });
  }
}

/** Extracts the `message` field of an engine error body, shortened. */
function engineMessage(body: Buffer): string {
  const text = body.toString('utf8');
  try {
    const message = (JSON.parse(text) as { message?: unknown }).message;
    if (typeof message === 'string') return truncate(message, 300);
  } catch {
    // Not JSON: some proxies and old engines respond in plain text.
  }
  return truncate(text.trim(), 300);
}

/** Reads a body up to `maxBytes`; past that it destroys the body and throws `tooLarge()`. */
export async function readLimited(body: Dispatcher.ResponseData['body'], maxBytes: number, tooLarge: () => Error): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of body) {
    const buffer = chunk as Buffer;
    total += buffer.length;
    if (total > maxBytes) {
      body.destroy();
      throw tooLarge();
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}
