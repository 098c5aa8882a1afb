import { PackageURL } from 'packageurl-js';
import type { OsInfo, Package } from '../catalog/types.js';
import { DISTROS, type AffectedSpecific, type DistroRule, type UnfixedState } from './distros/index.js';
import { LANGUAGES, normalizePypiName, type LanguageRule } from './languages.js';

/**
 * An OSV ecosystem split into its name and release qualifier: `Debian:12` is `Debian` and `12`;
 * `npm` has no release. Ubuntu's `:LTS` suffix is dropped from the release.
 */
export interface EcosystemName {
  /** The ecosystem as the advisory writes it. */
  ecosystem: string;
  base: string;
  release: string | undefined;
}

/** The lookup key for one installed package's advisories: ecosystem, release, name and version. */
export interface PackageQuery {
  /** The OSV ecosystem without release: `Debian`, `npm`. */
  base: string;
  /** The image's release in that ecosystem (`12`, `v3.20`), undefined for language ecosystems. */
  release: string | undefined;
  /** The package name advisories use: the source package for Debian, Ubuntu and Alpine. */
  name: string;
  /** The version to compare: the source version when `name` is the source package. */
  version: string;
  /** True when `name` and `version` are the source package's rather than the package's own. */
  viaSource: boolean;
}

/** Splits `Debian:12` into base and release, normalising the release as the distribution's rule defines. */
export function splitEcosystem(ecosystem: string): EcosystemName {
  const colon = ecosystem.indexOf(':');
  if (colon < 0) return { ecosystem, base: ecosystem, release: undefined };

  const base = ecosystem.slice(0, colon);
  const raw = ecosystem.slice(colon + 1);
  const rule = DISTROS.find((distro) => distro.ecosystem === base);
  const release = rule?.normalizeRelease ? rule.normalizeRelease(raw) : raw;
  return { ecosystem, base, release: release === '' ? undefined : release };
}

/**
 * Returns the OSV ecosystems that hold advisories for an image's OS packages: `Debian:12`,
 * `Ubuntu:22.04:LTS`, `Alpine:v3.20`, `AlmaLinux:9`, `Rocky Linux:9`. Red Hat's ecosystems are
 * per product stream, so RHEL images get `Red Hat` alone. Unknown distributions get none.
 */
export function ecosystemsForOs(os: OsInfo): string[] {
  const rule = distroFor(os);
  if (!rule) return [];
  const release = rule.release(os);
  if (!release || rule.releaseApplies) return [rule.ecosystem];
  // Ubuntu writes `:LTS` after the release of even-year April releases, which are LTS.
  if (rule.ecosystem === 'Ubuntu' && /^\d[02468]\.04$/.test(release)) return [`Ubuntu:${release}:LTS`];
  return [`${rule.ecosystem}:${release}`];
}

/** Returns the OSV ecosystem for a language package's purl type: `npm` → `npm`, `pypi` → `PyPI`. */
export function ecosystemForPurlType(purlType: string): string | undefined {
  return LANGUAGES.find((rule) => rule.purlType === purlType)?.ecosystem;
}

/**
 * Decides where to look up advisories for an installed package. OS packages need a detected OS
 * of the matching family (a deb on Debian or Ubuntu); language packages are placed by purl type.
 * Returns undefined for packages no advisory source covers.
 */
export function queryForPackage(os: OsInfo | undefined, pkg: Package): PackageQuery | undefined {
  const purl = parsePurl(pkg.purl);
  const purlType = purl?.type ?? pkg.type;

  const distro = os ? distroFor(os) : undefined;
  if (distro && distro.packageType === purlType && os) return distroQuery(distro, os, pkg);

  const language = LANGUAGES.find((rule) => rule.purlType === purlType);
  return language ? languageQuery(language, purl, pkg) : undefined;
}

/** Normalises a package name as the ecosystem compares names, so that stored rows and lookups agree. */
export function normalizePackageName(base: string, name: string): string {
  return base === 'PyPI' ? normalizePypiName(name) : name;
}

/** Decides whether an advisory entry's release qualifier applies to an image's release. */
export function releaseApplies(base: string, entryRelease: string | undefined, imageRelease: string | undefined): boolean {
  if (entryRelease === undefined) return true;
  if (imageRelease === undefined) return false;
  const rule = DISTROS.find((distro) => distro.ecosystem === base);
  return rule?.releaseApplies ? rule.releaseApplies(entryRelease, imageRelease) : entryRelease === imageRelease;
}

/** Classifies an affected entry without a fix as `unfixed` or `wont-fix`, by its distribution's markers. */
export function unfixedState(base: string, specific: AffectedSpecific): UnfixedState {
  const rule = DISTROS.find((distro) => distro.ecosystem === base);
  return rule?.unfixedState ? rule.unfixedState(specific) : 'unfixed';
}

function distroFor(os: OsInfo): DistroRule | undefined {
  return DISTROS.find((rule) => rule.osIds.includes(os.id));
}

function distroQuery(rule: DistroRule, os: OsInfo, pkg: Package): PackageQuery {
  const viaSource = rule.matchesSourcePackage && pkg.sourceName !== undefined && pkg.sourceName !== '';
  return {
    base: rule.ecosystem,
    release: rule.release(os),
    name: viaSource ? pkg.sourceName! : pkg.name,
    // dpkg omits the source version when it equals the binary version.
    version: viaSource ? (pkg.sourceVersion ?? pkg.version) : pkg.version,
    viaSource: viaSource && (pkg.sourceName !== pkg.name || (pkg.sourceVersion ?? pkg.version) !== pkg.version),
  };
}

function languageQuery(rule: LanguageRule, purl: PackageURL | undefined, pkg: Package): PackageQuery {
  const name = purl ? rule.name(purl) : normalizePackageName(rule.ecosystem, pkg.name);
  const rawVersion = purl?.version ?? pkg.version;
  const version = rule.version ? rule.version(rawVersion, name) : rawVersion;
  return { base: rule.ecosystem, release: undefined, name, version, viaSource: false };
}

/**
 * Parsed purls, shared across calls: re-matching stored images parses the same few thousand
 * purls for every image, and parsing dominated the re-match profile. Bounded so a long-running
 * service does not grow without limit.
 */
const parsedPurls = new Map<string, PackageURL | undefined>();
const MAX_PARSED_PURLS = 20_000;

function parsePurl(purl: string): PackageURL | undefined {
  if (parsedPurls.has(purl)) return parsedPurls.get(purl);
  let parsed: PackageURL | undefined;
  try {
    parsed = PackageURL.fromString(purl);
  } catch {
    // A malformed purl leaves the package's own name and type to decide.
    parsed = undefined;
  }
  if (parsedPurls.size >= MAX_PARSED_PURLS) parsedPurls.clear();
  parsedPurls.set(purl, parsed);
  return parsed;
}
