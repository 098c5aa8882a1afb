import type { Warning } from '../common/index.js';

/**
 * Caps on what one database or release file may contribute. Real files stay far below them:
 * a Debian status file with 3,000 packages is about 3 MB, and its longest field (a Description
 * or Conffiles list) a few KiB.
 */
export const MAX_PACKAGES_PER_FILE = 100_000;
/** Max characters of one package database field (dpkg, apk, rpm). */
export const MAX_FIELD_CHARS = 64 * 1024;
/** Max characters of one os-release variable. */
export const MAX_OS_RELEASE_VALUE_CHARS = 4096;
/** Max size of an OS release file: os-release and its older counterparts are a few hundred bytes. */
export const MAX_OS_FILE_BYTES = 64 * 1024;

/** Truncates over-long text fields of one file, with one warning per field name. */
export class FieldLimiter {
  readonly warnings: Warning[] = [];
  private readonly warned = new Set<string>();

  constructor(
    private readonly path: string,
    private readonly maxChars: number,
  ) {}

  /** Returns `value`, cut to the max length when longer. */
  cap(field: string, value: string): string {
    if (value.length <= this.maxChars) return value;
    this.truncated(field);
    return value.slice(0, this.maxChars);
  }

  /** Records that `field` was cut, for parsers that stop appending to a field themselves. */
  truncated(field: string): void {
    if (this.warned.has(field)) return;
    this.warned.add(field);
    this.warnings.push({
      code: 'catalog.field-too-long',
      message: `field ${field} in ${this.path} is longer than ${this.maxChars} characters: truncated`,
      path: this.path,
    });
  }
}

/** Builds the warning for a database file that lists more packages than Bosun reads from one file. */
export function tooManyPackages(path: string): Warning {
  return {
    code: 'catalog.too-many-packages',
    message: `${path} lists more than ${MAX_PACKAGES_PER_FILE} packages: only the first ${MAX_PACKAGES_PER_FILE} were read`,
    path,
  };
}
