// A small in-memory catalogue and image shared by the SBOM and report tests.
import type { DiffId, Digest } from '../../../src/common/digest.js';
import type { SbomImage } from '../../../src/catalog/sbom/types.js';
import type { Catalogue, Package } from '../../../src/catalog/types.js';

const hex = (c: string): string => c.repeat(64);
export const BASE_LAYER = `sha256:${hex('1')}` as DiffId;
export const APP_LAYER = `sha256:${hex('2')}` as DiffId;
export const MANIFEST_DIGEST = `sha256:${hex('a')}` as Digest;
export const CONFIG_DIGEST = `sha256:${hex('c')}` as Digest;

export const image: SbomImage = {
  target: 'registry.local:5000/team/app:1.0',
  reference: 'registry.local:5000/team/app:1.0',
  manifestDigest: MANIFEST_DIGEST,
  configDigest: CONFIG_DIGEST,
  diffIds: [BASE_LAYER, APP_LAYER],
  platform: 'linux/amd64',
};

const deb = (name: string, version: string, extra: Partial<Package> = {}): Package => ({
  name,
  version,
  type: 'deb',
  arch: 'amd64',
  purl: `pkg:deb/debian/${name}@${encodeURIComponent(version)}?arch=amd64&distro=debian-12`,
  layer: BASE_LAYER,
  foundIn: 'var/lib/dpkg/status',
  ...extra,
});

const npm = (name: string, version: string, foundIn: string, licenses?: string[]): Package => ({
  name,
  version,
  type: 'npm',
  purl: `pkg:npm/${name}@${version}`,
  layer: APP_LAYER,
  foundIn,
  ...(licenses ? { licenses } : {}),
});

export function catalogue(): Catalogue {
  return {
    os: { id: 'debian', version: '12', codename: 'bookworm', prettyName: 'Debian GNU/Linux 12 (bookworm)', source: 'etc/os-release' },
    packages: [
      deb('bash', '5.2.15-2+b7', { licenses: ['GPL-3.0-or-later'] }),
      deb('libssl3', '3.0.15-1~deb12u1', { sourceName: 'openssl', sourceVersion: '3.0.15-1~deb12u1', licenses: ['Apache-2.0'] }),
      deb('tzdata', '2024a-0+deb12u1', { licenses: ['public-domain'] }),
      deb('libgcc-s1', '12.2.0-14', { sourceName: 'gcc-12', licenses: ['GPL-3.0-only WITH GCC-exception-3.1', 'mit', 'BSD-3-clause'] }),
      deb('coreutils', '9.1-1', { licenses: ['GPL-3+', 'BSD-4-clause-UC'] }),
      // The same package in two folders of one layer: refs must still be unique.
      npm('lodash', '4.17.21', 'app/node_modules/lodash/package.json', ['MIT']),
      npm('lodash', '4.17.21', 'app/node_modules/x/node_modules/lodash/package.json', ['MIT']),
      npm('dual', '1.0.0', 'app/node_modules/dual/package.json', ['MIT OR Apache-2.0']),
      npm('naïve pkg#1', '0.1.0', 'app/node_modules/naive/package.json'),
    ],
    warnings: [{ code: 'dpkg.truncated', message: 'status file ends mid-paragraph', layer: BASE_LAYER, path: 'var/lib/dpkg/status' }],
  };
}

/** Returns a reversed copy of `items`, for order-independence checks. */
export function reversed<T>(items: readonly T[]): T[] {
  return [...items].reverse();
}
