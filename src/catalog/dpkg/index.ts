import { truncate, type Warning } from '../../common/index.js';
import { FieldLimiter, MAX_FIELD_CHARS, MAX_PACKAGES_PER_FILE, tooManyPackages } from '../limits.js';
import { osPackagePurl } from '../purl.js';
import type { Cataloguer, FileResult, Package } from '../types.js';
import { parseStanzas, type Stanza } from './stanza.js';

const STATUS_FILE = 'var/lib/dpkg/status';
/** Distroless images keep one status file per package here, usually without a Status field. */
const STATUS_DIR = 'var/lib/dpkg/status.d/';

/** Invalid lines reported one by one; the rest are counted in one warning. */
const MAX_LINE_WARNINGS = 20;

type ParsedPackage = Omit<Package, 'layer'>;

/** Reads the dpkg database: `var/lib/dpkg/status` and the distroless `var/lib/dpkg/status.d/*`. */
export const dpkgCataloguer: Cataloguer = {
  name: 'dpkg',
  version: 2,

  wants(entry) {
    if (entry.path === STATUS_FILE) return true;
    if (!entry.path.startsWith(STATUS_DIR)) return false;
    const name = entry.path.slice(STATUS_DIR.length);
    return name !== '' && !name.includes('/') && !name.endsWith('.md5sums');
  },

  parse(path, content): FileResult {
    const { stanzas, problems, truncated } = parseStanzas(content.toString('utf8'), MAX_FIELD_CHARS);
    const result: FileResult = { cataloguer: 'dpkg', packages: [], warnings: [] };

    for (const problem of problems.slice(0, MAX_LINE_WARNINGS)) {
      result.warnings.push({
        code: 'catalog.dpkg-invalid-line',
        message: `skipped line ${problem.line} of ${path}, which is not a field or a continuation: "${truncate(problem.text, 80)}"`,
        path,
      });
    }
    if (problems.length > MAX_LINE_WARNINGS) {
      result.warnings.push({
        code: 'catalog.dpkg-invalid-line',
        message: `skipped ${problems.length - MAX_LINE_WARNINGS} more lines of ${path} that are not a field or a continuation`,
        path,
      });
    }
    const limiter = new FieldLimiter(path, MAX_FIELD_CHARS);
    for (const field of truncated) limiter.truncated(truncate(field.field, 80));
    result.warnings.push(...limiter.warnings);

    // status.d files carry no Status field because everything listed there is installed.
    const requireStatus = path === STATUS_FILE;
    for (const stanza of stanzas) {
      if (requireStatus && !isInstalled(stanza.fields.get('status'))) continue;
      if (result.packages.length >= MAX_PACKAGES_PER_FILE) {
        result.warnings.push(tooManyPackages(path));
        break;
      }
      const parsed = packageFromStanza(stanza, path);
      if ('code' in parsed) result.warnings.push(parsed);
      else result.packages.push(parsed);
    }
    return result;
  },
};

/**
 * Checks the package state, the third word of `Status:` (dpkg-query(1)). Only `installed` means
 * the files are on disk and configured, unlike `half-installed`, `unpacked` or `config-files`.
 * The first word (`install`, `hold`, `deinstall`, `purge`) is only the requested action, so a
 * held package, or one marked for removal but still installed, counts as installed.
 */
function isInstalled(status: string | undefined): boolean {
  if (!status) return false;
  return status.split(/\s+/)[2] === 'installed';
}

function packageFromStanza(stanza: Stanza, path: string): ParsedPackage | Warning {
  const name = stanza.fields.get('package');
  const version = stanza.fields.get('version');
  if (!name || !version) {
    return {
      code: 'catalog.dpkg-incomplete',
      message: `skipped the paragraph at line ${stanza.line} of ${path}: it has no ${name ? 'Version' : 'Package'} field`,
      path,
    };
  }

  const arch = stanza.fields.get('architecture') || undefined;
  const source = parseSourceField(stanza.fields.get('source'));
  const pkg: ParsedPackage = {
    name,
    version,
    type: 'deb',
    sourceName: source?.name ?? name,
    sourceVersion: source?.version ?? version,
    purl: osPackagePurl({ type: 'deb', name, version, arch }),
    foundIn: path,
  };
  if (arch) pkg.arch = arch;
  return pkg;
}

/** `Source: name` or `Source: name (version)`; the version is given when it differs from the binary's. */
export function parseSourceField(value: string | undefined): { name: string; version?: string } | undefined {
  if (!value) return undefined;
  const match = /^(\S+)(?:\s+\(([^)\s]+)\))?$/.exec(value.trim());
  if (!match) return undefined;
  return match[2] ? { name: match[1]!, version: match[2] } : { name: match[1]! };
}
