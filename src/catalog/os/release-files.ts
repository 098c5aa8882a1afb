import type { OsInfo } from '../types.js';

/**
 * Reads `etc/debian_version`. Stable releases write `12.5`, which gives version `12` as in
 * os-release `VERSION_ID`. Testing and unstable both write `CODENAME/sid`, and because the
 * file cannot tell the two apart, Bosun reports version `testing` with the codename.
 */
export function parseDebianVersion(text: string, source: string): OsInfo | undefined {
  const value = firstLine(text);
  if (!value) return undefined;

  const numeric = /^(\d+)(?:\.\d+)*$/.exec(value);
  if (numeric) return { id: 'debian', version: numeric[1]!, source };

  const development = /^([a-z]+)\/sid$/.exec(value);
  if (development) return { id: 'debian', version: 'testing', codename: development[1]!, source };
  return undefined;
}

/** Reads `etc/alpine-release`: one line such as `3.20.1`, the same as os-release `VERSION_ID`. */
export function parseAlpineRelease(text: string, source: string): OsInfo | undefined {
  const value = firstLine(text);
  if (!value || !/^\d+\.\d+/.test(value)) return undefined;
  return { id: 'alpine', version: value, source };
}

/** Names in Red Hat style release lines, mapped to os-release IDs. Longer names come first. */
const REDHAT_FAMILY: Array<{ prefix: RegExp; id: string; majorOnly: boolean }> = [
  { prefix: /^AlmaLinux\b/i, id: 'almalinux', majorOnly: false },
  { prefix: /^Rocky Linux\b/i, id: 'rocky', majorOnly: false },
  // CentOS writes `7.9.2009` here but `7` as VERSION_ID, so only the major is kept and both sources agree.
  { prefix: /^CentOS\b/i, id: 'centos', majorOnly: true },
  { prefix: /^Red Hat Enterprise Linux\b/i, id: 'rhel', majorOnly: false },
  { prefix: /^Fedora\b/i, id: 'fedora', majorOnly: true },
];

/**
 * Reads a Red Hat style release line: `AlmaLinux release 9.4 (Seafoam Ocelot)`,
 * `CentOS Stream release 9`, `Red Hat Enterprise Linux release 8.10 (Ootpa)`.
 */
export function parseRedhatRelease(text: string, source: string): OsInfo | undefined {
  const line = firstLine(text);
  if (!line) return undefined;

  const family = REDHAT_FAMILY.find((entry) => entry.prefix.test(line));
  const release = /\brelease\s+(\d+(?:\.\d+)*)(?:\s+\(([^)]*)\))?/.exec(line);
  if (!family || !release) return undefined;

  const version = family.majorOnly ? release[1]!.split('.')[0]! : release[1]!;
  const info: OsInfo = { id: family.id, version, prettyName: line, source };
  if (release[2]) info.codename = release[2];
  return info;
}

function firstLine(text: string): string | undefined {
  const line = text.split(/\r?\n/, 1)[0]?.trim();
  return line ? line : undefined;
}
