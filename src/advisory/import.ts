import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { Dispatcher } from 'undici';
import { AdvisoryError, InputError, describeError } from '../common/errors.js';
import { logger } from '../common/log.js';
import { transaction, type Store } from '../store/index.js';
import { downloadToFile, redactUrl, type DownloadOptions } from './download.js';
import { parseOsvRecord, type OsvRecord } from './osv.js';
import { DEFAULT_READ_LIMITS, readDirectory, readZip, type FeedFile, type ReadLimits } from './read.js';
import { storedModified, writeRecords, writeSourceCounts } from './store.js';

const log = logger('advisory');

/** Records validated before each write; one multi-row insert per batch. */
const BATCH_SIZE = 500;

export interface ImportOptions {
  /** Caps on file sizes and counts; see DEFAULT_READ_LIMITS. */
  limits?: Partial<ReadLimits>;
  /** Largest download accepted for a URL source, in bytes. */
  maxDownloadBytes?: number;
  /** Time allowed for a URL download, in milliseconds. */
  downloadTimeoutMs?: number;
  signal?: AbortSignal;
  /** The HTTP dispatcher for URL sources; tests pass their own. */
  dispatcher?: Dispatcher;
  /** The clock, for `imported_at` and `updated_at`. */
  now?: () => Date;
}

/** A file that was not imported, and why. */
export interface SkippedFile {
  file: string;
  reason: string;
}

/**
 * The outcome of one import. Every valid record read counts once in `imported`, `updated` or
 * `unchanged`, so the three add up to the valid records of the source.
 */
export interface ImportResult {
  /** Records whose id the store did not have. */
  imported: number;
  /** Records that replaced an older `modified` of the same id, in the store or earlier in this import. */
  updated: number;
  /** Records not written because the store already had the same or a newer `modified`. */
  unchanged: number;
  skipped: SkippedFile[];
  /** Valid records read per OSV ecosystem (`Debian:12`); a record naming two ecosystems counts in both. */
  ecosystems: Record<string, number>;
}

/**
 * Imports OSV records from a directory of `*.json` files (searched recursively), a zip of JSON
 * files such as osv.dev's `<Ecosystem>/all.zip`, or an `http(s)://` URL of such a zip. The whole
 * import is one transaction: it is stored completely or not at all. When an id appears more than
 * once, the record with the newest `modified` wins. Withdrawn records are stored; matching skips
 * them. A malformed record is skipped and listed with its file name and the reason.
 */
export async function importAdvisories(store: Store, source: string, options: ImportOptions = {}): Promise<ImportResult> {
  const limits = { ...DEFAULT_READ_LIMITS, ...options.limits };
  const opened = await openSource(source, options);
  try {
    log.info({ source: opened.label }, 'advisory import started');
    const result = await transaction(store, (trx) => importFiles(trx, opened.read(limits, options.signal), opened.label, options));
    log.info(
      { source: opened.label, imported: result.imported, updated: result.updated, unchanged: result.unchanged, skipped: result.skipped.length },
      'advisory import finished',
    );
    if (result.skipped.length > 0) {
      log.warn({ source: opened.label, skipped: result.skipped.length, first: result.skipped[0] }, 'malformed advisory files skipped');
    }
    return result;
  } finally {
    await opened.close();
  }
}

interface OpenedSource {
  /** The source as stored and logged: an absolute path or a URL without credentials. */
  label: string;
  read(limits: ReadLimits, signal: AbortSignal | undefined): AsyncGenerator<FeedFile>;
  close(): Promise<void>;
}

async function openSource(source: string, options: ImportOptions): Promise<OpenedSource> {
  if (/^https?:\/\//i.test(source)) return openUrl(source, options);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(source)) {
    throw new InputError(`unsupported advisory source ${redactUrl(source)}`, { hint: 'use a directory, a .zip file or an http(s):// URL' });
  }

  const absolute = path.resolve(source);
  const info = await stat(absolute).catch((error: unknown) => {
    throw new InputError(`advisory source ${absolute} not found`, { hint: 'give a directory of OSV JSON files or a .zip export', cause: error });
  });
  const close = async () => {};
  if (info.isDirectory()) return { label: absolute, read: (limits, signal) => readDirectory(absolute, limits, signal), close };
  return { label: absolute, read: (limits, signal) => readZip(absolute, limits, signal), close };
}

async function openUrl(url: string, options: ImportOptions): Promise<OpenedSource> {
  const downloadOptions: DownloadOptions = {
    ...(options.maxDownloadBytes !== undefined && { maxBytes: options.maxDownloadBytes }),
    ...(options.downloadTimeoutMs !== undefined && { timeoutMs: options.downloadTimeoutMs }),
    ...(options.signal && { signal: options.signal }),
    ...(options.dispatcher && { dispatcher: options.dispatcher }),
  };
  const file = await downloadToFile(url, downloadOptions);
  return { label: redactUrl(url), read: (limits, signal) => readZip(file.path, limits, signal), close: file.remove };
}

/** State carried across batches of one import. */
interface ImportRun {
  result: ImportResult;
  source: string;
  now: string;
  batch: Map<string, OsvRecord>;
}

async function importFiles(
  trx: Parameters<typeof writeRecords>[0],
  files: AsyncGenerator<FeedFile>,
  source: string,
  options: ImportOptions,
): Promise<ImportResult> {
  const run: ImportRun = {
    result: { imported: 0, updated: 0, unchanged: 0, skipped: [], ecosystems: {} },
    source,
    now: (options.now ?? (() => new Date()))().toISOString(),
    batch: new Map(),
  };

  for await (const file of files) {
    const record = parseFile(file, run.result);
    if (!record) continue;
    countEcosystems(record, run.result.ecosystems);
    addToBatch(run, record);
    if (run.batch.size >= BATCH_SIZE) await flush(trx, run);
  }
  await flush(trx, run);

  await writeSourceCounts(trx, source, run.result.ecosystems, run.now);
  return run.result;
}

function parseFile(file: FeedFile, result: ImportResult): OsvRecord | undefined {
  if ('error' in file) return skip(result, file.file, file.error);

  let value: unknown;
  try {
    value = JSON.parse(file.text);
  } catch (error) {
    return skip(result, file.file, `invalid JSON: ${describeError(error)}`);
  }
  const parsed = parseOsvRecord(value);
  return parsed.ok ? parsed.record : skip(result, file.file, parsed.reason);
}

function skip(result: ImportResult, file: string, reason: string): undefined {
  log.debug({ file, reason }, 'advisory file skipped');
  result.skipped.push({ file, reason });
  return undefined;
}

function countEcosystems(record: OsvRecord, counts: Record<string, number>): void {
  const ecosystems = new Set(record.affected.flatMap((entry) => (entry.package ? [entry.package.ecosystem] : [])));
  for (const ecosystem of ecosystems) counts[ecosystem] = (counts[ecosystem] ?? 0) + 1;
}

/** Keeps the newer of two records with the same id in one batch. */
function addToBatch(run: ImportRun, record: OsvRecord): void {
  const earlier = run.batch.get(record.id);
  if (!earlier) {
    run.batch.set(record.id, record);
  } else if (isNewer(record.modified, earlier.modified)) {
    run.batch.set(record.id, record);
    run.result.updated += 1;
  } else {
    run.result.unchanged += 1;
  }
}

/**
 * Writes the batch's records that are new or newer than the stored ones. The store already
 * contains the earlier batches of this import, so duplicates across batches resolve here too.
 */
async function flush(trx: Parameters<typeof writeRecords>[0], run: ImportRun): Promise<void> {
  if (run.batch.size === 0) return;
  const records = [...run.batch.values()];
  run.batch.clear();

  const stored = await storedModified(trx, records.map((record) => record.id));
  const toWrite: OsvRecord[] = [];
  for (const record of records) {
    const storedAt = stored.get(record.id);
    if (storedAt === undefined) run.result.imported += 1;
    else if (isNewer(record.modified, storedAt)) run.result.updated += 1;
    else {
      run.result.unchanged += 1;
      continue;
    }
    toWrite.push(record);
  }

  try {
    await writeRecords(trx, toWrite, run.source, run.now);
  } catch (error) {
    throw new AdvisoryError(`failed to store advisories from ${run.source}: ${describeError(error)}`, {
      hint: 'check that the database is writable and not full',
      cause: error,
    });
  }
}

/** Compares two RFC 3339 timestamps; an unparseable one (already rejected by the schema) never wins. */
function isNewer(candidate: string, current: string): boolean {
  return Date.parse(candidate) > Date.parse(current);
}
