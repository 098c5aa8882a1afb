import type { OsInfo } from '../../catalog/types.js';
import type { DistroRule } from './types.js';
import { statusWontFix } from './wont-fix.js';

/**
 * Ubuntu: ecosystems `Ubuntu:<YY.MM>` with `:LTS` appended for LTS releases (`Ubuntu:22.04:LTS`)
 * and `Pro:` inserted for fixes shipped through Ubuntu Pro (`Ubuntu:Pro:22.04:LTS`). Records name
 * source packages. The `:LTS` suffix is dropped so that a release reads `22.04`; Pro entries keep
 * their prefix (`Pro:22.04`) and so do not apply to a plain image.
 *
 * TODO: match `Ubuntu:Pro:<release>` entries for images that have Ubuntu Pro (ESM) enabled.
 */
export const ubuntu: DistroRule = {
  ecosystem: 'Ubuntu',
  osIds: ['ubuntu'],
  packageType: 'deb',
  matchesSourcePackage: true,
  release(os: OsInfo) {
    return /^\d+\.\d+/.exec(os.version)?.[0];
  },
  normalizeRelease(release: string) {
    return release.replace(/:LTS$/, '');
  },
  unfixedState: statusWontFix,
};
