import type { OpenedImage } from '../types.js';
import { openOciLayoutStore, type OciLayoutOptions } from './oci-layout.js';
import { TarArchiveStore } from './tar-archive.js';

/**
 * Opens one image of an `oci-archive:PATH` file: an uncompressed tar of an OCI image layout, as
 * `skopeo copy … oci-archive:FILE` writes it. The tar is indexed once and blobs are read in
 * place, never extracted.
 *
 * @throws InputError or ImageFormatError as `openOciLayout` does, and when the file is not a tar.
 */
export async function openOciArchive(file: string, target: string, options: OciLayoutOptions = {}): Promise<OpenedImage> {
  const archive = await TarArchiveStore.index(file, options.signal);
  return openOciLayoutStore(archive, target, options);
}
