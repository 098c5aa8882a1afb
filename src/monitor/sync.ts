import { importAdvisories, updateAdvisories } from '../advisory/index.js';
import { logger, type Logger } from '../common/log.js';
import { ecosystemsOfStoredImages } from '../scan/ecosystems.js';
import type { Store } from '../store/index.js';

export interface RunSyncOptions {
  /** An `http(s)://` base URL for `updateAdvisories`, or a directory or zip for `importAdvisories`. */
  source: string;
  /** Ecosystems to update from a URL; default those of the stored images. */
  ecosystems?: string[];
  signal?: AbortSignal;
  logger?: Logger;
}

/**
 * Imports advisories from the sync source and returns how many records were new or updated.
 * A URL source updates the given ecosystems (or those the stored images need) one by one.
 */
export async function runSync(store: Store, options: RunSyncOptions): Promise<number> {
  const log = options.logger ?? logger('monitor.sync');
  const signal = options.signal;

  if (!/^https?:\/\//i.test(options.source)) {
    const result = await importAdvisories(store, options.source, { ...(signal && { signal }) });
    return result.imported + result.updated;
  }

  const ecosystems = options.ecosystems ?? (await ecosystemsOfStoredImages(store));
  if (ecosystems.length === 0) {
    log.info('no ecosystems to update: no image is stored yet');
    return 0;
  }
  const updates = await updateAdvisories(store, { baseUrl: options.source, ecosystems, ...(signal && { signal }) });
  return updates.reduce((sum, update) => sum + update.result.imported + update.result.updated, 0);
}
