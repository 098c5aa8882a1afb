import Database from 'better-sqlite3';
import { describeError, ImageFormatError, type Warning } from '../../common/index.js';
import { FieldLimiter, MAX_FIELD_CHARS, MAX_PACKAGES_PER_FILE, tooManyPackages } from '../limits.js';
import { osPackagePurl } from '../purl.js';
import type { Cataloguer, FileResult, Package } from '../types.js';
import { parseRpmHeader, RpmTag } from './header.js';

const SQLITE_DBS = ['var/lib/rpm/rpmdb.sqlite', 'usr/lib/sysimage/rpm/rpmdb.sqlite'];
/** Older rpmdb backends: Berkeley DB (RHEL 8 and older) and NDB (openSUSE). */
const UNSUPPORTED_DBS: Record<string, string> = {
  'var/lib/rpm/Packages': 'Berkeley DB',
  'usr/lib/sysimage/rpm/Packages': 'Berkeley DB',
  'var/lib/rpm/Packages.db': 'NDB',
  'usr/lib/sysimage/rpm/Packages.db': 'NDB',
};

const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');

type ParsedPackage = Omit<Package, 'layer'>;

/**
 * Reads the SQLite rpmdb (rpm 4.16 and later: Fedora 33+, RHEL 9 and its rebuilds). The
 * database is opened from memory, so image content never touches the disk. Older backends
 * are reported from their path alone, without reading them.
 */
export const rpmCataloguer: Cataloguer = {
  name: 'rpm',
  version: 2,

  wants(entry) {
    return SQLITE_DBS.includes(entry.path);
  },

  inspect(entry) {
    const format = UNSUPPORTED_DBS[entry.path];
    if (!format) return undefined;
    return {
      cataloguer: 'rpm',
      packages: [],
      warnings: [
        {
          code: 'catalog.rpmdb-unsupported',
          message: `unsupported rpmdb format (${format}) at ${entry.path}; Bosun reads only the SQLite rpmdb`,
          path: entry.path,
        },
      ],
    };
  },

  parse(path, content): FileResult {
    const limiter = new FieldLimiter(path, MAX_FIELD_CHARS);
    const result: FileResult = { cataloguer: 'rpm', packages: [], warnings: limiter.warnings };
    const rows = readPackageRows(content, path);
    if (rows.length > MAX_PACKAGES_PER_FILE) result.warnings.push(tooManyPackages(path));
    for (const row of rows.slice(0, MAX_PACKAGES_PER_FILE)) {
      const parsed = packageFromBlob(row.blob, row.hnum, path, limiter);
      if (parsed === undefined) continue;
      if ('code' in parsed) result.warnings.push(parsed);
      else result.packages.push(parsed);
    }
    return result;
  },
};

/**
 * Reads every row of the `Packages` table. Throws when the file is not a readable SQLite
 * database, which the layer scan turns into a warning on the file.
 */
function readPackageRows(content: Buffer, path: string): Array<{ hnum: number; blob: Buffer }> {
  if (!content.subarray(0, SQLITE_MAGIC.length).equals(SQLITE_MAGIC)) {
    throw new ImageFormatError(`${path} is not an SQLite database: it lacks the "SQLite format 3" header`, { path });
  }

  const db = new Database(withoutWal(content), { readonly: true });
  try {
    // The schema comes from the image: let no view or trigger in it call functions.
    db.pragma('trusted_schema = OFF');
    db.pragma('cell_size_check = ON');
    const rows = db.prepare('SELECT hnum, blob FROM Packages LIMIT ?').all(MAX_PACKAGES_PER_FILE + 1) as Array<{ hnum: unknown; blob: unknown }>;
    return rows.filter(
      (row): row is { hnum: number; blob: Buffer } => typeof row.hnum === 'number' && Buffer.isBuffer(row.blob),
    );
  } finally {
    db.close();
  }
}

/**
 * rpm keeps its database in WAL mode, which SQLite cannot open from memory ("unable to open
 * database file"). Bytes 18 and 19 of the header are the read and write format versions, 2 for
 * WAL. Setting them to 1 (rollback journal) on a copy makes the main file readable.
 * TODO: rows still only in an `rpmdb.sqlite-wal` file next to the database are not read.
 */
function withoutWal(content: Buffer): Buffer {
  if (content.length < 20 || (content[18] !== 2 && content[19] !== 2)) return content;
  const copy = Buffer.from(content);
  copy[18] = 1;
  copy[19] = 1;
  return copy;
}

/** Returns the package, a warning for a malformed header, or undefined for entries to skip. */
function packageFromBlob(blob: Buffer, hnum: number, path: string, limiter: FieldLimiter): ParsedPackage | Warning | undefined {
  try {
    const header = parseRpmHeader(blob, `${hnum} in ${path}`);
    const text = (tag: number, field: string): string | undefined => {
      const value = header.string(tag);
      return value === undefined ? undefined : limiter.cap(field, value);
    };
    const name = text(RpmTag.NAME, 'NAME');
    const version = text(RpmTag.VERSION, 'VERSION');
    const release = text(RpmTag.RELEASE, 'RELEASE');
    if (!name || !version || !release) throw new Error(`rpm header ${hnum} in ${path} has no name, version or release`);
    // rpm stores imported signing keys as packages named gpg-pubkey, which are not software.
    if (name === 'gpg-pubkey') return undefined;

    return buildPackage(header, { name, version, release }, path, text);
  } catch (error) {
    return {
      code: 'catalog.rpm-header-invalid',
      message: `skipped package ${hnum} in ${path}: ${describeError(error)}`,
      path,
    };
  }
}

function buildPackage(
  header: ReturnType<typeof parseRpmHeader>,
  fields: { name: string; version: string; release: string },
  path: string,
  text: (tag: number, field: string) => string | undefined,
): ParsedPackage {
  const epoch = header.int32(RpmTag.EPOCH);
  const epochPrefix = epoch ? `${epoch}:` : '';
  const fullVersion = `${epochPrefix}${fields.version}-${fields.release}`;
  const arch = text(RpmTag.ARCH, 'ARCH') || undefined;
  const license = text(RpmTag.LICENSE, 'LICENSE');
  const source = parseSourceRpm(text(RpmTag.SOURCERPM, 'SOURCERPM'));

  const pkg: ParsedPackage = {
    name: fields.name,
    version: fullVersion,
    type: 'rpm',
    sourceName: source?.name ?? fields.name,
    // A source RPM's file name has no epoch, but binaries share the epoch of the spec they came from.
    sourceVersion: source ? `${epochPrefix}${source.version}` : fullVersion,
    purl: osPackagePurl({ type: 'rpm', name: fields.name, version: fullVersion, arch }),
    foundIn: path,
  };
  if (arch) pkg.arch = arch;
  // LICENSE contains one expression (`MIT AND Apache-2.0`, or Fedora's older `GPLv2+`), so it stays whole.
  if (license) pkg.licenses = [license];
  return pkg;
}

/** Splits `name-version-release.src.rpm` (or `.nosrc.rpm`); the name itself may contain dashes. */
export function parseSourceRpm(value: string | undefined): { name: string; version: string } | undefined {
  const match = value ? /^(.+)-([^-]+)-([^-]+)\.(?:no)?src\.rpm$/.exec(value) : null;
  if (!match) return undefined;
  return { name: match[1]!, version: `${match[2]}-${match[3]}` };
}
