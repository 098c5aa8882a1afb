import type { OsInfo } from '../../catalog/types.js';
import type { DistroRule } from './types.js';

/**
 * Alpine: ecosystems `Alpine:v<major>.<minor>` (`Alpine:v3.20`), from the Alpine security
 * database, which names origin (source) packages.
 */
export const alpine: DistroRule = {
  ecosystem: 'Alpine',
  osIds: ['alpine'],
  packageType: 'apk',
  matchesSourcePackage: true,
  release(os: OsInfo) {
    const match = /^(\d+)\.(\d+)/.exec(os.version);
    return match ? `v${match[1]}.${match[2]}` : undefined;
  },
};
