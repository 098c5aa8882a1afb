import type { DiffId, Digest } from '../../common/digest.js';

/** The image an SBOM describes: where it came from and which layers it has. */
export interface SbomImage {
  /** The target as the user wrote it, used as the name when there is no reference. */
  target?: string;
  /** The normalised reference: `docker.io/library/debian:bookworm`. */
  reference?: string;
  /** Digest of the image manifest, where the source has one. */
  manifestDigest?: Digest;
  configDigest: Digest;
  /** Layer diffIDs from the bottom up. */
  diffIds: DiffId[];
  /** `os/architecture[/variant]`: `linux/amd64`. */
  platform?: string;
}

/** Settings shared by the SBOM writers. */
export interface SbomOptions {
  /** The Bosun version written into the tool metadata. */
  toolVersion: string;
  /** Creation time written into the document. Defaults to now. */
  timestamp?: Date;
  /** UUID for the CycloneDX `serialNumber` and the SPDX namespace. Defaults to a random UUID. */
  uuid?: string;
}
