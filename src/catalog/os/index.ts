import { FieldLimiter, MAX_OS_FILE_BYTES, MAX_OS_RELEASE_VALUE_CHARS } from '../limits.js';
import type { Cataloguer, FileResult, OsInfo } from '../types.js';
import { parseOsRelease } from './os-release.js';
import { parseAlpineRelease, parseDebianVersion, parseRedhatRelease } from './release-files.js';

type ReleaseParser = (text: string, source: string) => OsInfo | undefined;

/**
 * Files that name the OS, highest priority first. os-release is the standard and wins, and
 * `etc/os-release` wins over `usr/lib/os-release`, as os-release(5) specifies. The specific Red Hat
 * family files come before `etc/redhat-release`, which is a symlink to one of them on CentOS,
 * AlmaLinux and Rocky Linux.
 */
const OS_SOURCES: ReadonlyArray<{ path: string; parse: ReleaseParser }> = [
  { path: 'etc/os-release', parse: osInfoFromOsRelease },
  { path: 'usr/lib/os-release', parse: osInfoFromOsRelease },
  { path: 'etc/alpine-release', parse: parseAlpineRelease },
  { path: 'etc/debian_version', parse: parseDebianVersion },
  { path: 'etc/almalinux-release', parse: parseRedhatRelease },
  { path: 'etc/rocky-release', parse: parseRedhatRelease },
  { path: 'etc/centos-release', parse: parseRedhatRelease },
  { path: 'etc/redhat-release', parse: parseRedhatRelease },
];

/**
 * Ranks an OS source path: lower wins. Paths that are not OS sources rank last.
 * The merge uses it to pick one OS among the visible results of several files.
 */
export function osSourceRank(path: string): number {
  const index = OS_SOURCES.findIndex((source) => source.path === path);
  return index < 0 ? OS_SOURCES.length : index;
}

/**
 * Converts os-release variables to OsInfo. Rolling and development releases have no
 * `VERSION_ID`. Debian testing and unstable then get `testing`, as from `etc/debian_version`,
 * and other distributions an empty version.
 */
function osInfoFromOsRelease(text: string, source: string): OsInfo | undefined {
  const variables = parseOsRelease(text);
  const id = variables.get('ID')?.toLowerCase();
  if (!id) return undefined;

  const version = variables.get('VERSION_ID') ?? (id === 'debian' ? 'testing' : '');
  const info: OsInfo = { id, version, source };
  const codename = variables.get('VERSION_CODENAME');
  const prettyName = variables.get('PRETTY_NAME');
  if (codename) info.codename = codename;
  if (prettyName) info.prettyName = prettyName;
  return info;
}

/** Detects the operating system from os-release and the older per-distribution release files. */
export const osCataloguer: Cataloguer = {
  name: 'os',
  version: 2,
  maxFileBytes: MAX_OS_FILE_BYTES,

  wants(entry) {
    return OS_SOURCES.some((source) => source.path === entry.path);
  },

  parse(path, content): FileResult {
    const source = OS_SOURCES.find((candidate) => candidate.path === path);
    const limiter = new FieldLimiter(path, MAX_OS_RELEASE_VALUE_CHARS);
    const os = source?.parse(content.toString('utf8'), path);
    const result: FileResult = { cataloguer: 'os', packages: [], warnings: limiter.warnings };
    if (os) {
      result.os = capOsInfo(os, limiter);
    } else {
      result.warnings.push({
        code: 'catalog.os-unrecognised',
        message: `cannot read the OS name and version from ${path}`,
        path,
      });
    }
    return result;
  },
};

/** Cuts every text field of `os` to the max length of an os-release value. */
function capOsInfo(os: OsInfo, limiter: FieldLimiter): OsInfo {
  const capped: OsInfo = { ...os, id: limiter.cap('ID', os.id), version: limiter.cap('VERSION_ID', os.version) };
  if (os.codename !== undefined) capped.codename = limiter.cap('VERSION_CODENAME', os.codename);
  if (os.prettyName !== undefined) capped.prettyName = limiter.cap('PRETTY_NAME', os.prettyName);
  return capped;
}
