import type { PackageURL } from 'packageurl-js';

/** The OSV naming rule of one language ecosystem, keyed by purl type. */
export interface LanguageRule {
  /** The OSV ecosystem: `npm`, `PyPI`, `Go`. */
  ecosystem: string;
  /** The purl type: `npm`, `pypi`, `golang`. */
  purlType: string;
  /** The OSV package name for a purl. */
  name(purl: PackageURL): string;
  /** The version as the OSV ecosystem writes it; default: the purl's version unchanged. */
  version?(version: string, name: string): string;
}

const joined = (separator: string) => (purl: PackageURL) =>
  purl.namespace ? `${purl.namespace}${separator}${purl.name}` : purl.name;

/** PEP 503 name normalisation: lowercase, runs of `-`, `_` and `.` become one `-`. */
export function normalizePypiName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

/**
 * Go module versions carry a `v` prefix that OSV's SEMVER ranges omit, and the standard library
 * (`stdlib`) is versioned `go1.22.3`.
 */
function goVersion(version: string): string {
  return version.replace(/^go(?=\d)/, '').replace(/^v(?=\d)/, '');
}

/** Every supported language ecosystem. Adding one is adding a line here. */
export const LANGUAGES: readonly LanguageRule[] = [
  { ecosystem: 'npm', purlType: 'npm', name: joined('/') },
  { ecosystem: 'PyPI', purlType: 'pypi', name: (purl) => normalizePypiName(purl.name) },
  { ecosystem: 'Go', purlType: 'golang', name: joined('/'), version: goVersion },
  { ecosystem: 'Maven', purlType: 'maven', name: joined(':') },
  { ecosystem: 'crates.io', purlType: 'cargo', name: joined('/') },
  { ecosystem: 'RubyGems', purlType: 'gem', name: joined('/') },
  { ecosystem: 'NuGet', purlType: 'nuget', name: joined('/') },
  { ecosystem: 'Packagist', purlType: 'composer', name: joined('/') },
];
