import { queryForPackage } from '../advisory/index.js';
import type { OsInfo, Package } from '../catalog/types.js';
import type { Store } from '../store/index.js';

/**
 * Lists the OSV ecosystems (as osv.dev names its exports: `Debian`, `Alpine`, `npm`) that the stored
 * images need advisories from, read from their recorded catalogues.
 */
export async function ecosystemsOfStoredImages(store: Store): Promise<string[]> {
  const rows = await store.db.selectFrom('images').select(['os', 'packages']).execute();
  const needed = new Set<string>();
  for (const row of rows) {
    const os = row.os ? (JSON.parse(row.os) as OsInfo) : undefined;
    for (const pkg of JSON.parse(row.packages) as Package[]) {
      const query = queryForPackage(os, pkg);
      if (query) needed.add(query.base);
    }
  }
  return [...needed].sort();
}
