import { logger } from '../common/log.js';
import type { Store } from '../store/index.js';
import { importAdvisories, type ImportOptions, type ImportResult } from './import.js';

const log = logger('advisory');

/** osv.dev's public bucket of per-ecosystem exports. */
export const DEFAULT_OSV_BASE_URL = 'https://osv-vulnerabilities.storage.googleapis.com';

export interface UpdateOptions extends ImportOptions {
  /** The base URL that serves `<ecosystem>/all.zip` files. The default is osv.dev's bucket. */
  baseUrl?: string;
  /** Ecosystems as osv.dev names its exports, without release: `Debian`, `Alpine`, `PyPI`. */
  ecosystems: string[];
}

/** The outcome for one ecosystem of an update. */
export interface EcosystemUpdate {
  ecosystem: string;
  url: string;
  result: ImportResult;
}

/**
 * Downloads and imports `${baseUrl}/${ecosystem}/all.zip` for each ecosystem, one import (and
 * one transaction) per ecosystem, in order. The first failure stops the update; the ecosystems
 * imported before it stay imported.
 */
export async function updateAdvisories(store: Store, options: UpdateOptions): Promise<EcosystemUpdate[]> {
  const baseUrl = (options.baseUrl ?? DEFAULT_OSV_BASE_URL).replace(/\/+$/, '');
  const updates: EcosystemUpdate[] = [];

  for (const ecosystem of options.ecosystems) {
    const url = `${baseUrl}/${encodeURIComponent(ecosystem)}/all.zip`;
    const result = await importAdvisories(store, url, options);
    log.info({ ecosystem, imported: result.imported, updated: result.updated }, 'advisory ecosystem updated');
    updates.push({ ecosystem, url, result });
  }
  return updates;
}
