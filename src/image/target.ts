import { statSync } from 'node:fs';
import { truncate } from '../common/digest.js';
import { InputError } from '../common/errors.js';
import { parseReference } from './reference.js';
import { openRegistryImage, type RegistryOptions } from './registry/index.js';
import { openDirectory } from './sources/dir.js';
import { openDockerArchive } from './sources/docker-archive.js';
import { openEngineImage, type EngineSourceOptions } from './sources/engine.js';
import { openOciArchive } from './sources/oci-archive.js';
import { openOciLayout } from './sources/oci-layout.js';
import type { OpenedImage, Platform } from './types.js';

/** Source of an image, parsed from a target string such as `oci:/tmp/layout:app-1`. */
export type Target =
  | { transport: 'docker-archive'; path: string }
  | { transport: 'oci'; path: string; tag?: string }
  | { transport: 'oci-archive'; path: string }
  | { transport: 'dir'; path: string }
  | { transport: 'docker-daemon'; name: string }
  | { transport: 'podman'; name: string }
  | { transport: 'registry'; reference: string };

/** The target forms, for help text and error messages. */
export const TARGET_FORMS = [
  'REGISTRY/REPOSITORY[:TAG][@DIGEST]',
  'docker-archive:PATH',
  'oci:PATH[:NAME]',
  'oci-archive:PATH',
  'dir:PATH',
  'docker-daemon:NAME',
  'podman:NAME',
] as const;

type LocalTransport = Exclude<Target['transport'], 'registry'>;
const LOCAL_TRANSPORTS: readonly LocalTransport[] = ['docker-archive', 'oci', 'oci-archive', 'dir', 'docker-daemon', 'podman'];

/** Transports of skopeo and containers/image that Bosun does not read. */
const UNSUPPORTED_TRANSPORTS = new Set(['containers-storage', 'ostree', 'sif', 'tarball']);

const FORMS_HINT = `write one of: ${TARGET_FORMS.join(', ')}`;

/**
 * Parses a target string. `TRANSPORT:REST` with a known transport selects a local source, and
 * `docker://REF` (skopeo's form) a registry; anything else must be an image reference.
 *
 * For `oci:PATH[:NAME]` the path itself may contain `:`, so the text after the last `:` is a name
 * only when what precedes it is an existing directory and the whole text is not one. This reads
 * the filesystem.
 *
 * @throws InputError for an empty part, an unsupported transport, or text that is neither.
 */
export function parseTarget(text: string): Target {
  const trimmed = text.trim();
  if (trimmed.startsWith('docker://')) return { transport: 'registry', reference: nonEmpty(trimmed.slice('docker://'.length), text) };

  const colon = trimmed.indexOf(':');
  const prefix = colon === -1 ? '' : trimmed.slice(0, colon);
  const rest = trimmed.slice(colon + 1);
  if ((LOCAL_TRANSPORTS as readonly string[]).includes(prefix)) return localTarget(prefix as LocalTransport, nonEmpty(rest, text));

  if (UNSUPPORTED_TRANSPORTS.has(prefix)) {
    throw new InputError(`the ${prefix}: transport is not supported in "${truncate(text)}"`, { hint: FORMS_HINT });
  }
  try {
    parseReference(trimmed);
  } catch (error) {
    const schemeLike = /^[a-z][a-z0-9+.-]*:/.test(trimmed);
    const what = schemeLike ? `unknown transport "${truncate(prefix, 40)}:"` : 'not a valid image reference';
    throw new InputError(`invalid target "${truncate(text)}": ${what}`, { hint: FORMS_HINT, cause: error });
  }
  return { transport: 'registry', reference: trimmed };
}

function localTarget(transport: LocalTransport, rest: string): Target {
  switch (transport) {
    case 'oci':
      return ociTarget(rest);
    case 'docker-daemon':
    case 'podman':
      return { transport, name: rest };
    default:
      return { transport, path: rest };
  }
}

function ociTarget(rest: string): Target {
  if (isDirectory(rest)) return { transport: 'oci', path: rest };
  const colon = rest.lastIndexOf(':');
  if (colon > 0 && colon < rest.length - 1 && isDirectory(rest.slice(0, colon))) {
    return { transport: 'oci', path: rest.slice(0, colon), tag: rest.slice(colon + 1) };
  }
  return { transport: 'oci', path: rest };
}

function isDirectory(candidate: string): boolean {
  try {
    return statSync(candidate).isDirectory();
  } catch {
    return false;
  }
}

function nonEmpty(value: string, text: string): string {
  if (value.trim() === '') throw new InputError(`invalid target "${truncate(text)}": the part after the transport is empty`, { hint: FORMS_HINT });
  return value;
}

export interface OpenTargetOptions {
  /** Platform to pick from multi-platform indexes (registry and OCI layouts). Default the host's. */
  platform?: Platform;
  signal?: AbortSignal;
  /** For `docker-archive:` files holding several images: the tag to open, such as `lab/app:1`. */
  archiveReference?: string;
  /** Registry options (credentials, insecure registries, timeouts) for registry references. */
  registry?: Omit<RegistryOptions, 'platform' | 'signal'>;
  /** Engine addresses and limits for `docker-daemon:` and `podman:`. */
  engine?: Omit<EngineSourceOptions, 'host' | 'signal'> & { dockerHost?: string; podmanHost?: string };
}

/**
 * Opens the image a target string names, from whichever source it names. The caller must
 * `close()` the result (engine exports delete their temporary file then).
 *
 * @throws InputError for a malformed target; the source's errors otherwise.
 */
export async function openTarget(text: string, options: OpenTargetOptions = {}): Promise<OpenedImage> {
  const target = parseTarget(text);
  const { signal, platform } = options;
  switch (target.transport) {
    case 'docker-archive':
      return openDockerArchive(target.path, text, { reference: options.archiveReference, platform, signal });
    case 'oci':
      return openOciLayout(target.path, text, { tag: target.tag, platform, signal });
    case 'oci-archive':
      return openOciArchive(target.path, text, { platform, signal });
    case 'dir':
      return openDirectory(target.path, text, signal);
    case 'docker-daemon':
      return openEngineImage('docker', target.name, text, { ...options.engine, host: options.engine?.dockerHost, signal });
    case 'podman':
      return openEngineImage('podman', target.name, text, { ...options.engine, host: options.engine?.podmanHost, signal });
    case 'registry':
      return openRegistryImage(target.reference, { ...options.registry, platform, signal });
  }
}
