/**
 * Local image sources. Each reader opens one kind of target and returns an OpenedImage;
 * `target.ts` dispatches to them by transport.
 */
export { openDockerArchive, type DockerArchiveOptions } from './docker-archive.js';
export { openOciLayout, REF_NAME_ANNOTATION, type OciLayoutOptions } from './oci-layout.js';
export { openOciArchive } from './oci-archive.js';
export { openDirectory, walkDirectory } from './dir.js';
export { openEngineImage, resolveEndpoint, type EngineKind, type EngineSourceOptions } from './engine.js';
export { TarArchiveStore, MAX_ARCHIVE_MEMBERS, type ArchiveMember } from './tar-archive.js';
