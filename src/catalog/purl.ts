import { PackageURL } from 'packageurl-js';
import type { OsInfo, Package, PackageType } from './types.js';

/** The fields of an OS package that its purl is built from. */
export type PurlFields = Pick<Package, 'type' | 'name' | 'version' | 'arch'>;

/**
 * Builds the purl of an OS package (deb, apk, rpm), following the purl-spec type definitions.
 * Without `os` the purl has no `distro` qualifier and a default namespace: cataloguers call it
 * that way so that a layer's result does not depend on files in other layers, and the merge
 * calls it again with the image's OS.
 */
export function osPackagePurl(pkg: PurlFields, os?: OsInfo): string {
  const qualifiers: Record<string, string> = {};
  if (pkg.arch) qualifiers['arch'] = pkg.arch;

  let version = pkg.version;
  if (pkg.type === 'rpm') {
    // purl-spec puts an rpm epoch in the `epoch` qualifier, not in the version.
    const { epoch, rest } = splitEpoch(pkg.version);
    version = rest;
    if (epoch) qualifiers['epoch'] = epoch;
  }

  const distro = os ? distroQualifier(os) : undefined;
  if (distro) qualifiers['distro'] = distro;

  return new PackageURL(pkg.type, purlNamespace(pkg.type, os), pkg.name, version, qualifiers, undefined).toString();
}

/**
 * The purl namespace is the distribution vendor. Without a known OS, deb falls back to `debian`
 * and apk to `alpine`, the vendors that ship those formats most often. rpm has no such default,
 * so its namespace stays empty.
 */
function purlNamespace(type: PackageType, os: OsInfo | undefined): string | undefined {
  if (type === 'apk') return 'alpine';
  if (os) return os.id;
  if (type === 'deb') return 'debian';
  return undefined;
}

function distroQualifier(os: OsInfo): string | undefined {
  if (!os.version) return os.id;
  return `${os.id}-${os.version}`;
}

/** Splits `[epoch:]rest`; an empty or `0` epoch is returned as undefined. */
export function splitEpoch(version: string): { epoch: string | undefined; rest: string } {
  const colon = version.indexOf(':');
  if (colon < 0) return { epoch: undefined, rest: version };
  const epoch = version.slice(0, colon);
  return { epoch: epoch === '' || epoch === '0' ? undefined : epoch, rest: version.slice(colon + 1) };
}
