import { StringDecoder } from 'node:string_decoder';
import type { Readable } from 'node:stream';
import { truncate } from '../common/digest.js';
import { BosunError, EngineError } from '../common/errors.js';
import { logger } from '../common/log.js';
import { classifyConnectionError } from './errors.js';
import { eventSchema } from './schemas.js';
import type { EngineTransport } from './transport.js';
import type { EngineEvent } from './types.js';

const log = logger('engine.events');

/** Maximum length of one event line, in bytes. Events carry a few IDs and the object's labels, so this is generous. */
export const MAX_EVENT_LINE_BYTES = 1024 * 1024;

export interface EventsOptions {
  /** Replay events from this time on; omit for new events only. */
  since?: Date;
  /** End the stream at this time. Without it the stream runs until `signal` aborts. */
  until?: Date;
  /** Engine filters, for example `{ type: ['container'], event: ['start', 'die'] }`. */
  filters?: Record<string, string[]>;
  /** Ends the stream: the iterator then returns without an error. */
  signal: AbortSignal;
  /** Milliseconds to wait for the response headers. The body may stay idle indefinitely. */
  timeoutMs?: number;
}

/** Thrown by LineSplitter when a line exceeds its limit. */
export class LineTooLongError extends Error {
  constructor(readonly maxLineBytes: number) {
    super(`line longer than ${maxLineBytes} bytes`);
    this.name = 'LineTooLongError';
  }
}

/**
 * Splits a byte stream into lines. It keeps partial lines and partial UTF-8 sequences across
 * chunks, and throws when a line grows past `maxLineBytes`.
 */
export class LineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private pending = '';

  constructor(private readonly maxLineBytes: number = MAX_EVENT_LINE_BYTES) {}

  /** Returns the lines completed by `chunk`, without their newlines. */
  push(chunk: Buffer): string[] {
    const text = this.pending + this.decoder.write(chunk);
    const lines = text.split('\n');
    this.pending = lines.pop() ?? '';
    if (Buffer.byteLength(this.pending) > this.maxLineBytes) {
      throw new LineTooLongError(this.maxLineBytes);
    }
    return lines.filter((line) => line.trim() !== '');
  }

  /** Returns what is left when the stream ends: a last line without a newline, if any. */
  end(): string[] {
    const rest = (this.pending + this.decoder.end()).trim();
    this.pending = '';
    return rest === '' ? [] : [rest];
  }
}

/**
 * Parses one event line. Returns undefined for a line that is not a valid event, which the
 * stream skips with a warning instead of ending: one odd event must not stop the watch.
 */
export function parseEventLine(line: string): EngineEvent | undefined {
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch {
    return undefined;
  }
  const result = eventSchema.safeParse(json);
  if (!result.success) return undefined;

  const event = result.data;
  const time = event.time ?? Math.floor((event.timeNano ?? 0) / 1e9);
  return {
    type: event.Type,
    action: event.Action,
    actor: { id: event.Actor?.ID ?? '', attributes: event.Actor?.Attributes ?? {} },
    scope: event.scope,
    time,
    timeNano: exactTimeNano(line, event.timeNano) ?? BigInt(time) * 1_000_000_000n,
  };
}

/**
 * Reads `timeNano` from the raw line as a bigint, because JSON.parse rounds a 19-digit number.
 * Only a match that rounds to the parsed value counts, so a label value that looks like the
 * field cannot replace it.
 */
function exactTimeNano(line: string, parsed: number | undefined): bigint | undefined {
  if (parsed === undefined) return undefined;
  for (const match of line.matchAll(/"timeNano":\s*(\d{1,25})\b/g)) {
    const value = BigInt(match[1]!);
    if (Number(value) === parsed) return value;
  }
  return undefined;
}

/** Streams `GET /events` as parsed events. See `EngineClient.events`. */
export async function* streamEvents(transport: EngineTransport, path: string, options: EventsOptions): AsyncGenerator<EngineEvent, void, undefined> {
  const { signal } = options;
  if (signal.aborted) return;

  const query: Record<string, string | undefined> = {
    since: options.since === undefined ? undefined : unixSeconds(options.since),
    until: options.until === undefined ? undefined : unixSeconds(options.until),
    filters: options.filters === undefined ? undefined : JSON.stringify(options.filters),
  };
  const call = { subject: 'the event stream', query };
  const timeoutMs = options.timeoutMs ?? 30_000;
  let body: Readable;
  try {
    // bodyTimeout 0: an idle engine sends nothing for hours. undici enables TCP keep-alive on
    // its sockets, so a dead TCP peer still ends the stream; a unix socket closes with the daemon.
    body = (await transport.open(path, call, signal, { headersTimeout: timeoutMs, bodyTimeout: 0 })).body;
  } catch (error) {
    if (signal.aborted) return;
    throw error;
  }

  yield* readEvents(body, transport, options);
}

async function* readEvents(body: Readable, transport: EngineTransport, options: EventsOptions): AsyncGenerator<EngineEvent, void, undefined> {
  const splitter = new LineSplitter();
  let skipped = 0;
  try {
    for await (const chunk of body) {
      for (const line of splitter.push(chunk as Buffer)) {
        const event = parseEventLine(line);
        if (event) yield event;
        else if (skipped++ < 10) log.warn({ endpoint: transport.endpoint.name, line: truncate(line, 200) }, 'skipped an invalid engine event');
      }
    }
    for (const line of splitter.end()) {
      const event = parseEventLine(line);
      if (event) yield event;
    }
  } catch (error) {
    if (options.signal.aborted) return;
    if (error instanceof BosunError) throw error;
    if (error instanceof LineTooLongError) {
      throw new EngineError('engine.invalid_response', `${transport.describe()} sent an event line over ${MAX_EVENT_LINE_BYTES} bytes`, {
        endpoint: transport.endpoint.url,
        hint: 'check that the address points at a Docker or Podman API socket',
        cause: error,
      });
    }
    throw classifyConnectionError(transport.endpoint, transport.describe(), 'the event stream', error);
  } finally {
    body.destroy();
  }

  if (options.until === undefined && !options.signal.aborted) {
    throw new EngineError('engine.connection_lost', `${transport.describe()} ended the event stream`, {
      endpoint: transport.endpoint.url,
      hint: 'the engine probably restarted: reconnect with `since` set to the last event time',
    });
  }
}

/** Formats a Date as the engine's `seconds.nanoseconds` timestamp. */
function unixSeconds(date: Date): string {
  const ms = date.getTime();
  const seconds = Math.floor(ms / 1000);
  const nanos = (ms - seconds * 1000) * 1_000_000;
  return `${seconds}.${String(nanos).padStart(9, '0')}`;
}
