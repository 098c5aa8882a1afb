import type { OsInfo } from '../../catalog/types.js';
import { majorVersion, type DistroRule } from './types.js';

const majorRelease = (os: OsInfo) => majorVersion(os.version);

/** AlmaLinux: ecosystems `AlmaLinux:<major>`. Errata name binary RPMs. */
export const almalinux: DistroRule = {
  ecosystem: 'AlmaLinux',
  osIds: ['almalinux'],
  packageType: 'rpm',
  matchesSourcePackage: false,
  release: majorRelease,
};

/** Rocky Linux: ecosystems `Rocky Linux:<major>`. Errata name binary RPMs. */
export const rocky: DistroRule = {
  ecosystem: 'Rocky Linux',
  osIds: ['rocky'],
  packageType: 'rpm',
  matchesSourcePackage: false,
  release: majorRelease,
};

/**
 * Red Hat Enterprise Linux. Red Hat's OSV ecosystems carry a CPE-derived product stream after
 * `Red Hat:`, such as `enterprise_linux:9::appstream` or `rhel_eus:9.2::baseos`. An entry applies
 * when the stream's version has the image's major version.
 *
 * TODO: the CPE stream is only approximated: EUS, AUS and E4S streams match every image of the
 * same major version, and the repository (`appstream`, `baseos`) is not checked against the image.
 */
export const rhel: DistroRule = {
  ecosystem: 'Red Hat',
  osIds: ['rhel'],
  packageType: 'rpm',
  matchesSourcePackage: false,
  release: majorRelease,
  releaseApplies(entryRelease: string, imageRelease: string) {
    const streamVersion = entryRelease.split(':')[1] ?? '';
    return streamVersion === imageRelease || streamVersion.startsWith(`${imageRelease}.`);
  },
};
