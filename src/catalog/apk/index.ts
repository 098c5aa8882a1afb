import type { Warning } from '../../common/index.js';
import { FieldLimiter, MAX_FIELD_CHARS, MAX_PACKAGES_PER_FILE, tooManyPackages } from '../limits.js';
import { osPackagePurl } from '../purl.js';
import type { Cataloguer, FileResult, Package } from '../types.js';

const INSTALLED_DB = 'lib/apk/db/installed';

type ParsedPackage = Omit<Package, 'layer'>;

/**
 * Reads the apk database `lib/apk/db/installed`. Each package is a block of `X:value` lines
 * (one letter per field, see apk-tools' "Installed database" format), and a blank line ends
 * the block. Bosun reads P (name), V (version), A (arch), o (origin, the source package) and
 * L (licence). File lines (F, R, Z…) are skipped.
 */
export const apkCataloguer: Cataloguer = {
  name: 'apk',
  version: 2,

  wants(entry) {
    return entry.path === INSTALLED_DB;
  },

  parse(path, content): FileResult {
    const limiter = new FieldLimiter(path, MAX_FIELD_CHARS);
    const result: FileResult = { cataloguer: 'apk', packages: [], warnings: limiter.warnings };
    for (const block of splitBlocks(content.toString('utf8'), limiter)) {
      if (result.packages.length >= MAX_PACKAGES_PER_FILE) {
        result.warnings.push(tooManyPackages(path));
        break;
      }
      const parsed = packageFromBlock(block, path);
      if ('code' in parsed) result.warnings.push(parsed);
      else result.packages.push(parsed);
    }
    return result;
  },
};

interface Block {
  fields: Map<string, string>;
  line: number;
}

function splitBlocks(text: string, limiter: FieldLimiter): Block[] {
  const blocks: Block[] = [];
  let current: Block | undefined;
  const lines = text.split(/\r?\n/);
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!;
    if (line.trim() === '') {
      current = undefined;
      continue;
    }
    if (line[1] !== ':') continue;
    if (!current) {
      current = { fields: new Map(), line: index + 1 };
      blocks.push(current);
    }
    const key = line[0]!;
    // Only the package-level fields are kept, and those appear once per block.
    if (!current.fields.has(key)) current.fields.set(key, limiter.cap(key, line.slice(2).trim()));
  }
  return blocks;
}

function packageFromBlock(block: Block, path: string): ParsedPackage | Warning {
  const name = block.fields.get('P');
  const version = block.fields.get('V');
  if (!name || !version) {
    return {
      code: 'catalog.apk-incomplete',
      message: `skipped the package at line ${block.line} of ${path}: it has no ${name ? 'V (version)' : 'P (name)'} line`,
      path,
    };
  }

  const arch = block.fields.get('A') || undefined;
  const license = block.fields.get('L');
  const pkg: ParsedPackage = {
    name,
    version,
    type: 'apk',
    sourceName: block.fields.get('o') || name,
    // apk builds every subpackage of an origin from one APKBUILD, at the same version.
    sourceVersion: version,
    purl: osPackagePurl({ type: 'apk', name, version, arch }),
    foundIn: path,
  };
  if (arch) pkg.arch = arch;
  // L contains one licence expression (`MIT AND BSD-2-Clause`), which splitting would change.
  if (license) pkg.licenses = [license];
  return pkg;
}
