import type { OsInfo } from '../../catalog/types.js';
import { majorVersion, type DistroRule } from './types.js';
import { debianWontFix } from './wont-fix.js';

/** Debian releases by codename, for images whose os-release has no `VERSION_ID`. */
const CODENAMES: Record<string, string> = {
  stretch: '9',
  buster: '10',
  bullseye: '11',
  bookworm: '12',
  trixie: '13',
  forky: '14',
};

/**
 * Debian: ecosystems `Debian:<major>` (`Debian:12`). DSA, DLA and DEBIAN-CVE records name source
 * packages and their versions.
 */
export const debian: DistroRule = {
  ecosystem: 'Debian',
  osIds: ['debian'],
  packageType: 'deb',
  matchesSourcePackage: true,
  release(os: OsInfo) {
    const fromVersion = majorVersion(os.version);
    if (fromVersion) return fromVersion;
    return os.codename ? CODENAMES[os.codename] : undefined;
  },
  unfixedState: debianWontFix,
};
