import { affectedEntries, type AffectedEntry, type OsvRecord } from '../advisory/index.js';

/** An affected entry with its `versions` list as a set, for membership tests. */
export interface IndexedEntry extends AffectedEntry {
  versionSet: ReadonlySet<string>;
}

/**
 * Affected entries in memory, keyed by ecosystem (without release) and package name, so that
 * matching an image costs one map lookup per package. Withdrawn advisories are left out.
 */
export class AdvisoryIndex {
  private readonly byPackage = new Map<string, IndexedEntry[]>();
  private count = 0;
  /** Results computed from this index by the matcher; emptied whenever an entry is added. */
  readonly memo = new Map<string, unknown>();

  /** Builds an index from OSV records, as the benchmark and tests do. */
  static fromRecords(records: Iterable<OsvRecord>): AdvisoryIndex {
    const index = new AdvisoryIndex();
    for (const record of records) index.addAll(affectedEntries(record));
    return index;
  }

  /** Builds an index from entries loaded from the store. */
  static fromEntries(entries: Iterable<AffectedEntry>): AdvisoryIndex {
    const index = new AdvisoryIndex();
    index.addAll(entries);
    return index;
  }

  addAll(entries: Iterable<AffectedEntry>): void {
    for (const entry of entries) this.add(entry);
  }

  add(entry: AffectedEntry): void {
    if (entry.advisory.withdrawn) return;
    const key = keyOf(entry.base, entry.packageName);
    const list = this.byPackage.get(key) ?? [];
    list.push({ ...entry, versionSet: new Set(entry.versions) });
    this.byPackage.set(key, list);
    this.count += 1;
    this.memo.clear();
  }

  /** Returns the entries for a package name in an ecosystem (`Debian`, `npm`), any release. */
  lookup(base: string, name: string): readonly IndexedEntry[] {
    return this.byPackage.get(keyOf(base, name)) ?? [];
  }

  /** The number of affected entries held. */
  get size(): number {
    return this.count;
  }
}

function keyOf(base: string, name: string): string {
  return `${base}\u0000${name}`;
}
