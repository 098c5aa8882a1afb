import type { AffectedSpecific } from './distros/index.js';
import type { OsvRange } from './osv.js';
import type { SeverityLevel, SeverityScore } from './severity.js';

/** The advisory fields a finding shows. */
export interface AdvisoryInfo {
  id: string;
  /** The record's `aliases` and `upstream` IDs, such as the CVE an Ubuntu record is about. */
  aliases: string[];
  summary: string | undefined;
  severity: SeverityLevel;
  /** The CVSS base score, when the severity came from a CVSS vector. */
  score: number | undefined;
  withdrawn: boolean;
}

/**
 * One `affected[]` entry of an advisory, ready to match: the package it names, its ranges and
 * versions, and the feed's own markers.
 */
export interface AffectedEntry {
  advisory: AdvisoryInfo;
  /** The ecosystem as the advisory writes it: `Debian:12`, `Ubuntu:22.04:LTS`, `npm`. */
  ecosystem: string;
  /** The ecosystem without release: `Debian`, `npm`. */
  base: string;
  /** The normalised release qualifier (`12`, `22.04`), undefined when the entry applies to every release. */
  release: string | undefined;
  /** The package name, normalised as its ecosystem compares names. */
  packageName: string;
  ranges: OsvRange[];
  versions: string[];
  specific: AffectedSpecific;
  /** The entry's own severity, when it has one that differs from the record's. */
  severity: SeverityScore | undefined;
}

/** The ecosystem and package name to look advisories up by. */
export interface AffectedKey {
  base: string;
  name: string;
}
