import type { VersionScheme } from './types.js';
import { apkScheme } from './apk/index.js';
import { dpkgScheme } from './dpkg/index.js';
import { genericScheme } from './generic/index.js';
import { goScheme } from './go/index.js';
import { mavenScheme } from './maven/index.js';
import { pep440Scheme } from './pep440/index.js';
import { rpmScheme } from './rpm/index.js';
import { semverScheme } from './semver/index.js';

export type { VersionScheme } from './types.js';
export { apkScheme, dpkgScheme, genericScheme, goScheme, mavenScheme, pep440Scheme, rpmScheme, semverScheme };

/** Every version scheme. A new scheme is one folder and one line here. */
export const versionSchemes: readonly VersionScheme[] = [
  dpkgScheme,
  apkScheme,
  rpmScheme,
  semverScheme,
  goScheme,
  pep440Scheme,
  mavenScheme,
  genericScheme,
];

/**
 * OSV ecosystem names, lowercased and without the `:release` suffix, mapped to their scheme.
 * The names are spelled as in the OSV schema's ecosystem list, plus `Fedora`.
 */
const ECOSYSTEM_SCHEMES: ReadonlyMap<string, VersionScheme> = new Map([
  ['debian', dpkgScheme],
  ['ubuntu', dpkgScheme],
  ['alpine', apkScheme],
  ['wolfi', apkScheme],
  ['chainguard', apkScheme],
  ['almalinux', rpmScheme],
  ['rocky linux', rpmScheme],
  ['red hat', rpmScheme],
  ['fedora', rpmScheme],
  ['opensuse', rpmScheme],
  ['suse', rpmScheme],
  ['mageia', rpmScheme],
  ['openeuler', rpmScheme],
  ['photon os', rpmScheme],
  ['azure linux', rpmScheme],
  ['npm', semverScheme],
  ['crates.io', semverScheme],
  ['go', goScheme],
  ['pypi', pep440Scheme],
  ['maven', mavenScheme],
]);

/** Package URL types mapped to their scheme. */
const PACKAGE_TYPE_SCHEMES: ReadonlyMap<string, VersionScheme> = new Map([
  ['deb', dpkgScheme],
  ['apk', apkScheme],
  ['rpm', rpmScheme],
  ['npm', semverScheme],
  ['cargo', semverScheme],
  ['golang', goScheme],
  ['pypi', pep440Scheme],
  ['maven', mavenScheme],
]);

/**
 * Looks up the scheme for an OSV ecosystem name such as `Debian:12`, `Alpine:v3.20` or
 * `Rocky Linux`. The part from the first colon on names a release and does not change the
 * scheme. Case does not matter. Unknown ecosystems get the generic scheme.
 *
 * TODO: RubyGems, NuGet, Packagist, Hex and Pub have their own orders and use the generic
 * scheme until they get one.
 */
export function schemeForEcosystem(ecosystem: string): VersionScheme {
  const colon = ecosystem.indexOf(':');
  const name = (colon < 0 ? ecosystem : ecosystem.slice(0, colon)).trim().toLowerCase();
  return ECOSYSTEM_SCHEMES.get(name) ?? genericScheme;
}

/** Looks up the scheme for a package URL type such as `deb` or `pypi`, else the generic one. */
export function schemeForPackageType(type: string): VersionScheme {
  return PACKAGE_TYPE_SCHEMES.get(type.trim().toLowerCase()) ?? genericScheme;
}
