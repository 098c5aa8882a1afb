import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Agent, interceptors, request, type Dispatcher } from 'undici';
import { BosunError, describeError } from '../common/errors.js';

export interface DownloadOptions {
  /** Largest file accepted, in bytes. */
  maxBytes?: number;
  /** Time allowed for the whole download, in milliseconds. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** The HTTP dispatcher; tests pass their own. */
  dispatcher?: Dispatcher;
}

/** osv.dev's largest export (Debian) is a few hundred MiB; 2 GiB leaves room without filling a disk. */
export const DEFAULT_MAX_DOWNLOAD_BYTES = 2 * 1024 * 1024 * 1024;
export const DEFAULT_DOWNLOAD_TIMEOUT_MS = 30 * 60 * 1000;

/** A downloaded file in its own temporary directory; `remove` deletes both. */
export interface DownloadedFile {
  path: string;
  remove(): Promise<void>;
}

let defaultDispatcher: Dispatcher | undefined;

/**
 * Downloads an `http(s)://` URL to a temporary file, following up to five redirects. Rejects a
 * response that is not 200, declares or delivers more than `maxBytes`, or does not finish in time.
 */
export async function downloadToFile(url: string, options: DownloadOptions = {}): Promise<DownloadedFile> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_DOWNLOAD_BYTES;
  const timeout = AbortSignal.timeout(options.timeoutMs ?? DEFAULT_DOWNLOAD_TIMEOUT_MS);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  const label = redactUrl(url);

  const directory = await mkdtemp(path.join(os.tmpdir(), 'bosun-osv-'));
  const file = path.join(directory, 'feed.zip');
  const remove = () => rm(directory, { recursive: true, force: true });

  try {
    const response = await request(url, { method: 'GET', signal, dispatcher: options.dispatcher ?? dispatcher() });
    checkResponse(response, label, maxBytes);
    await pipeline(response.body, byteLimit(maxBytes, label), createWriteStream(file, { mode: 0o600 }), { signal });
    return { path: file, remove };
  } catch (error) {
    await remove();
    throw classifyFailure(error, label, timeout.aborted);
  }
}

/** Drops user and password from a URL before it goes into a message or the store. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    return parsed.toString();
  } catch {
    return url;
  }
}

function dispatcher(): Dispatcher {
  defaultDispatcher ??= new Agent({ headersTimeout: 60_000, bodyTimeout: 120_000 }).compose(
    interceptors.redirect({ maxRedirections: 5 }),
  );
  return defaultDispatcher;
}

function checkResponse(response: Dispatcher.ResponseData, label: string, maxBytes: number): void {
  if (response.statusCode !== 200) {
    discard(response);
    const notFound = response.statusCode === 404;
    throw new BosunError(notFound ? 'advisory.not_found' : 'advisory.download', `download of ${label} failed with HTTP ${response.statusCode}`, {
      hint: notFound ? 'check the ecosystem name and the base URL' : 'retry later, or check the base URL and any proxy',
    });
  }
  const declared = Number(response.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    discard(response);
    throw tooLarge(label, maxBytes);
  }
}

/** Drops a body that will not be read; undici closes the connection past the limit. */
function discard(response: Dispatcher.ResponseData): void {
  response.body.dump({ limit: 64 * 1024 }).catch(() => {
    // The body is unwanted; an error while discarding it changes nothing.
  });
}

function byteLimit(maxBytes: number, label: string): Transform {
  let bytes = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      bytes += chunk.length;
      callback(bytes > maxBytes ? tooLarge(label, maxBytes) : null, chunk);
    },
  });
}

function tooLarge(label: string, maxBytes: number): BosunError {
  return new BosunError('advisory.download', `download of ${label} is larger than ${maxBytes} bytes`, {
    hint: 'check the URL points at an OSV zip export, or raise the download size limit',
  });
}

function classifyFailure(error: unknown, label: string, timedOut: boolean): BosunError {
  if (error instanceof BosunError) return error;
  if (timedOut) {
    return new BosunError('advisory.download', `download of ${label} timed out`, {
      hint: 'retry, or raise the download timeout on a slow connection',
      cause: error,
    });
  }
  return new BosunError('advisory.download', `download of ${label} failed: ${describeError(error)}`, {
    hint: 'check the network connection, the URL and any proxy',
    cause: error,
  });
}
