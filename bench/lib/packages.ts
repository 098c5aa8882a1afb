/**
 * Package counts for the sanity column of the scan benchmark: did every tool find the same
 * Debian packages? The reference is the dpkg status file of the unpacked image.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

/** Debian packages in one tool's output, compared with what dpkg lists as installed. */
export interface DebianCount {
  /** Distinct package names among the tool's `pkg:deb` entries (source packages included). */
  debNames: number;
  /** How many of the installed packages the tool listed. */
  installedFound: number;
  /** How many packages dpkg lists as installed. */
  installed: number;
}

/** Reads the names of the packages with status `install ok installed` from `var/lib/dpkg/status`. */
export function installedDpkgPackages(rootfs: string): Set<string> {
  const status = readFileSync(path.join(rootfs, 'var/lib/dpkg/status'), 'utf8');
  const names = new Set<string>();
  // Stanzas are separated by blank lines, and each field starts at the beginning of a line.
  for (const stanza of status.split(/\n\s*\n/)) {
    const name = /^Package:\s*(\S+)/m.exec(stanza)?.[1];
    const state = /^Status:\s*(.+)$/m.exec(stanza)?.[1]?.trim();
    if (name && state === 'install ok installed') names.add(name);
  }
  return names;
}

/** Counts the Debian packages in a CycloneDX JSON document or a `bosun scan --format json` report. */
export function countDebianPackages(outputFile: string, installed: Set<string>): DebianCount {
  const document = JSON.parse(readFileSync(outputFile, 'utf8')) as unknown;
  const names = new Set<string>();
  for (const purl of purlsIn(document)) {
    const name = debianName(purl);
    if (name) names.add(name);
  }
  const installedFound = [...installed].filter((name) => names.has(name)).length;
  return { debNames: names.size, installedFound, installed: installed.size };
}

function purlsIn(document: unknown): string[] {
  if (typeof document !== 'object' || document === null) return [];
  const record = document as { components?: unknown; packages?: unknown };
  // CycloneDX nests components; a Bosun scan report lists `packages[].purl`.
  const entries = Array.isArray(record.components) ? record.components : Array.isArray(record.packages) ? record.packages : [];
  const purls: string[] = [];
  for (const entry of entries) {
    if (typeof entry !== 'object' || entry === null) continue;
    const { purl, components } = entry as { purl?: unknown; components?: unknown };
    if (typeof purl === 'string') purls.push(purl);
    if (Array.isArray(components)) purls.push(...purlsIn({ components }));
  }
  return purls;
}

function debianName(purl: string): string | undefined {
  // pkg:deb/debian/NAME@VERSION?qualifiers, with NAME percent-encoded.
  const match = /^pkg:deb\/[^/]+\/([^@?#]+)/.exec(purl);
  return match?.[1] ? decodeURIComponent(match[1]) : undefined;
}
