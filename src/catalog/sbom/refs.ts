import { PackageURL } from 'packageurl-js';
import type { Package } from '../types.js';
import type { SbomImage } from './types.js';

/** Compares by UTF-16 code units, so the order does not depend on the machine's locale. */
export function compareText(a: string, b: string): number {
  if (a < b) return -1;
  return a > b ? 1 : 0;
}

/** Returns a copy of `packages` in the order both SBOM writers use: purl, layer, file, name, version. */
export function sortPackages<T extends Package>(packages: readonly T[]): T[] {
  return [...packages].sort(
    (a, b) =>
      compareText(a.purl, b.purl) ||
      compareText(a.layer, b.layer) ||
      compareText(a.foundIn, b.foundIn) ||
      compareText(a.name, b.name) ||
      compareText(a.version, b.version),
  );
}

/**
 * Assigns each package a reference that is unique within the document and stable across runs:
 * `<purl>|<layer diffID>`. Two copies of one package in one layer (two `node_modules` folders)
 * also get the file they were found in, and exact duplicates get a counter.
 */
export function packageRefs(packages: readonly Package[]): string[] {
  const bases = packages.map((pkg) => `${pkg.purl || `${pkg.type}/${pkg.name}@${pkg.version}`}|${pkg.layer}`);
  const baseCounts = countValues(bases);
  const withFile = bases.map((base, i) => ((baseCounts.get(base) ?? 0) > 1 ? `${base}|${packages[i]?.foundIn ?? ''}` : base));

  const seen = new Map<string, number>();
  return withFile.map((ref) => {
    const count = (seen.get(ref) ?? 0) + 1;
    seen.set(ref, count);
    return count === 1 ? ref : `${ref}|${count}`;
  });
}

function countValues(values: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return counts;
}

/** Returns the name an SBOM gives the image: its reference, else the target, else the config digest. */
export function imageName(image: SbomImage): string {
  return image.reference ?? image.target ?? image.configDigest;
}

/** Splits a normalised reference such as `registry/repo:tag@sha256:…` into repository, tag and digest. */
export function splitReference(reference: string): { repository: string; tag?: string; digest?: string } {
  const at = reference.indexOf('@');
  const digest = at >= 0 ? reference.slice(at + 1) : undefined;
  const named = at >= 0 ? reference.slice(0, at) : reference;

  const colon = named.lastIndexOf(':');
  const hasTag = colon > named.lastIndexOf('/');
  return {
    repository: hasTag ? named.slice(0, colon) : named,
    ...(hasTag ? { tag: named.slice(colon + 1) } : {}),
    ...(digest ? { digest } : {}),
  };
}

/**
 * Builds the image's package URL, `pkg:oci/<name>@<manifest digest>?repository_url=…&tag=…&arch=…`,
 * as the purl spec defines the `oci` type. Returns undefined without a manifest digest, because
 * the config digest names no manifest a registry can serve, so a purl built on it would point nowhere.
 */
export function imagePurl(image: SbomImage): string | undefined {
  if (!image.manifestDigest) return undefined;

  const qualifiers: Record<string, string> = {};
  let name = 'image';
  if (image.reference) {
    const { repository, tag } = splitReference(image.reference);
    name = (repository.split('/').pop() ?? repository).toLowerCase();
    qualifiers['repository_url'] = repository;
    if (tag) qualifiers['tag'] = tag;
  }
  const arch = image.platform?.split('/')[1];
  if (arch) qualifiers['arch'] = arch;

  return new PackageURL('oci', undefined, name, image.manifestDigest, qualifiers, undefined).toString();
}
