import { endianness } from 'node:os';
import { truncate } from '../common/digest.js';
import { BosunError, InputError } from '../common/errors.js';
import type { Descriptor } from './manifest.js';
import type { Platform } from './types.js';

/** Node's `process.arch` names mapped to the OCI (GOARCH) names images use. */
const NODE_TO_OCI_ARCH: Record<string, string> = {
  x64: 'amd64',
  arm64: 'arm64',
  arm: 'arm',
  ia32: '386',
  ppc64: endianness() === 'LE' ? 'ppc64le' : 'ppc64',
  s390x: 's390x',
  riscv64: 'riscv64',
  loong64: 'loong64',
  mips64el: 'mips64le',
  mipsel: 'mipsle',
};

/**
 * Returns the platform of the machine Bosun runs on, in OCI terms. The OS is `linux` on every
 * host except Windows, because Docker Desktop on macOS runs Linux images in a Linux VM.
 */
export function hostPlatform(): Platform {
  const os = process.platform === 'win32' ? 'windows' : 'linux';
  const architecture = NODE_TO_OCI_ARCH[process.arch] ?? process.arch;
  if (architecture === 'arm64') return { os, architecture, variant: 'v8' };
  if (architecture === 'arm') return { os, architecture, variant: `v${armVersion()}` };
  return { os, architecture };
}

function armVersion(): string {
  const version = (process.config.variables as Record<string, unknown>)['arm_version'];
  return typeof version === 'string' && /^[5-7]$/.test(version) ? version : '7';
}

/**
 * Parses `os/architecture[/variant]`, for example `linux/arm64/v8`. Architecture aliases that
 * Docker accepts are normalised: `x86_64` to `amd64`, `aarch64` to `arm64`.
 *
 * @throws InputError when the string has fewer than two or more than three parts.
 */
export function parsePlatform(text: string): Platform {
  const parts = text.trim().split('/');
  const valid = parts.length >= 2 && parts.length <= 3 && parts.every((part) => /^[a-zA-Z0-9._-]+$/.test(part));
  if (!valid) {
    throw new InputError(`invalid platform "${truncate(text)}": expected os/architecture[/variant]`, {
      hint: 'Write a platform such as "linux/amd64" or "linux/arm64/v8".',
    });
  }

  const os = parts[0]!.toLowerCase();
  const architecture = normalizeArchitecture(parts[1]!.toLowerCase());
  const variant = parts[2]?.toLowerCase();
  return variant === undefined ? { os, architecture } : { os, architecture, variant };
}

/** Formats a platform as `os/architecture[/variant]`. */
export function formatPlatform(platform: Platform): string {
  const base = `${platform.os}/${platform.architecture}`;
  return platform.variant ? `${base}/${platform.variant}` : base;
}

function normalizeArchitecture(architecture: string): string {
  if (architecture === 'x86_64' || architecture === 'x86-64') return 'amd64';
  if (architecture === 'aarch64') return 'arm64';
  if (architecture === 'i386' || architecture === 'i686') return '386';
  return architecture;
}

/** Returns the variant an architecture means when none is written: `v8` for `arm64`, `v7` for `arm`, `v1` for `amd64`. */
function defaultVariant(architecture: string): string | undefined {
  if (architecture === 'arm64') return 'v8';
  if (architecture === 'arm') return 'v7';
  if (architecture === 'amd64') return 'v1';
  return undefined;
}

/** Reports whether an index entry's platform runs on `requested`, treating a missing variant as the default. */
export function platformMatches(candidate: Platform, requested: Platform): boolean {
  if (candidate.os !== requested.os || candidate.architecture !== requested.architecture) return false;
  const candidateVariant = candidate.variant || defaultVariant(candidate.architecture);
  const requestedVariant = requested.variant || defaultVariant(requested.architecture);
  return candidateVariant === requestedVariant;
}

/**
 * Picks the manifest for `requested` from an index's entries. Entries for `unknown/unknown` are
 * BuildKit attestation manifests (SBOM, provenance), never images, and are skipped. When several
 * entries match, the first wins, as in Docker and containerd.
 *
 * @param subject names the index in the error message, for example `nginx:1.27`.
 * @throws BosunError `image.platform_not_found` listing the platforms the index has.
 */
export function selectPlatformManifest(manifests: readonly Descriptor[], requested: Platform, subject: string): Descriptor {
  const images = manifests.filter((entry) => entry.platform !== undefined && !isAttestation(entry.platform));
  const exact = images.find((entry) => platformMatches(entry.platform!, requested) && entry.platform!.variant === requested.variant);
  const match = exact ?? images.find((entry) => platformMatches(entry.platform!, requested));
  if (match !== undefined) return match;

  const available = [...new Set(images.map((entry) => formatPlatform(entry.platform!)))];
  throw new BosunError(
    'image.platform_not_found',
    `${subject} has no image for platform ${formatPlatform(requested)}; it has ${available.length === 0 ? 'no platform entries' : available.join(', ')}`,
    { hint: 'Pick one of the listed platforms with the platform option, for example "linux/amd64".' },
  );
}

function isAttestation(platform: Platform): boolean {
  return platform.os === 'unknown' && platform.architecture === 'unknown';
}
