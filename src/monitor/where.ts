import { sql } from 'kysely';
import type { Package } from '../catalog/types.js';
import { truncate } from '../common/digest.js';
import { InputError } from '../common/errors.js';
import type { Store } from '../store/index.js';
import { schemeForPackageType } from '../versioning/index.js';

/** One comparison of a version range: `<`, `<=`, `>`, `>=` or `=`, with its version. */
export interface VersionBound {
  operator: '<' | '<=' | '>' | '>=' | '=';
  version: string;
}

/** A conjunction of bounds: a version is in the range when it satisfies every bound. */
export type VersionRange = VersionBound[];

/** A fleet query: a package name, optionally narrowed by a version range. */
export interface WhereQuery {
  /** Binary package name (`zlib1g`) or source package name (`zlib`); exact, case-sensitive. */
  name: string;
  /** Range such as `<3.0.0` or `>=1.2,<1.3`, compared with the package type's version scheme. */
  version?: string;
  /** Include containers that are stopped or removed. Default false: running containers only. */
  allContainers?: boolean;
}

/** An installed package that matched a query, and which of its names matched. */
export interface WherePackage {
  name: string;
  version: string;
  type: string;
  purl: string;
  sourceName: string | undefined;
  sourceVersion: string | undefined;
  /** `name` when the binary name matched, `source` when the source name did. */
  matchedBy: 'name' | 'source';
}

/** A container that uses an image. */
export interface WhereContainer {
  endpoint: string;
  id: string;
  name: string;
  state: string;
  removedAt: string | null;
}

/** An image that contains the package, with the containers that use it. */
export interface WhereImage {
  configDigest: string;
  manifestDigest: string | null;
  references: string[];
  packages: WherePackage[];
  containers: WhereContainer[];
}

export interface WhereResult {
  query: WhereQuery;
  images: WhereImage[];
}

const BOUND_PATTERN = /^(<=|>=|<|>|==|=)?\s*(\S+)$/;

/**
 * Parses a version range: comma-joined bounds, each `<`, `<=`, `>`, `>=` or `=` followed by a
 * version (`<3.0.0`, `>=1:1.2,<1:1.3`). A bare version means `=`.
 *
 * @throws InputError for an empty range or a bound without a version.
 */
export function parseVersionRange(text: string): VersionRange {
  const parts = text.split(',').map((part) => part.trim());
  if (parts.length === 0 || parts.some((part) => part === '')) {
    throw new InputError(`invalid version range "${truncate(text)}": empty bound`, { hint: "write bounds such as '<3.0.0' or '>=1.2,<1.3'" });
  }
  return parts.map((part) => {
    const match = BOUND_PATTERN.exec(part);
    if (!match || /[<>=]/.test(match[2]!)) {
      throw new InputError(`invalid version bound "${truncate(part)}" in range "${truncate(text)}"`, {
        hint: "start each bound with <, <=, >, >= or = and follow it with a version, such as '<3.0.0'",
      });
    }
    const operator = (match[1] === '==' ? '=' : (match[1] ?? '=')) as VersionBound['operator'];
    return { operator, version: match[2]! };
  });
}

/** Reports whether `version` satisfies every bound, compared with `compare`. */
export function inRange(version: string, range: VersionRange, compare: (a: string, b: string) => number): boolean {
  return range.every((bound) => {
    const order = compare(version, bound.version);
    switch (bound.operator) {
      case '<':
        return order < 0;
      case '<=':
        return order <= 0;
      case '>':
        return order > 0;
      case '>=':
        return order >= 0;
      case '=':
        return order === 0;
    }
  });
}

/**
 * Finds the stored images that contain a package, by binary or source name, and the containers
 * that use them. Reads only the store, so it works without the service running. A version range
 * is compared against the version of the name that matched: the source version for a source
 * name, because advisories about `zlib` give `zlib` versions.
 */
export async function wherePackage(store: Store, query: WhereQuery): Promise<WhereResult> {
  const range = query.version === undefined ? undefined : parseVersionRange(query.version);
  const rows = await store.db
    .selectFrom('images')
    .select(['config_digest', 'manifest_digest', 'references', 'packages'])
    // A cheap text prefilter: every matching row contains the name as a JSON string value.
    .where(sql<boolean>`packages like ${`%${escapeLike(JSON.stringify(query.name))}%`} escape '\\'`)
    .orderBy('config_digest')
    .execute();

  const images: WhereImage[] = [];
  for (const row of rows) {
    const packages = matchingPackages(JSON.parse(row.packages) as Package[], query.name, range);
    if (packages.length === 0) continue;
    images.push({
      configDigest: row.config_digest,
      manifestDigest: row.manifest_digest,
      references: JSON.parse(row.references) as string[],
      packages,
      containers: [],
    });
  }
  await attachContainers(store, images, query.allContainers === true);
  return { query, images };
}

function matchingPackages(packages: Package[], name: string, range: VersionRange | undefined): WherePackage[] {
  const found: WherePackage[] = [];
  for (const pkg of packages) {
    let matchedBy: WherePackage['matchedBy'];
    if (pkg.name === name) matchedBy = 'name';
    else if (pkg.sourceName === name) matchedBy = 'source';
    else continue;

    const version = matchedBy === 'source' ? (pkg.sourceVersion ?? pkg.version) : pkg.version;
    const scheme = schemeForPackageType(pkg.type);
    if (range && !inRange(version, range, (a, b) => scheme.compare(a, b))) continue;

    found.push({
      name: pkg.name,
      version: pkg.version,
      type: pkg.type,
      purl: pkg.purl,
      sourceName: pkg.sourceName,
      sourceVersion: pkg.sourceVersion,
      matchedBy,
    });
  }
  return found;
}

async function attachContainers(store: Store, images: WhereImage[], all: boolean): Promise<void> {
  if (images.length === 0) return;
  const byDigest = new Map(images.map((image) => [image.configDigest, image]));
  let query = store.db
    .selectFrom('containers')
    .select(['endpoint', 'id', 'name', 'state', 'removed_at', 'image_config_digest'])
    .where('image_config_digest', 'in', [...byDigest.keys()]);
  if (!all) query = query.where('removed_at', 'is', null).where('state', '=', 'running');

  for (const row of await query.orderBy('endpoint').orderBy('name').execute()) {
    byDigest.get(row.image_config_digest ?? '')?.containers.push({
      endpoint: row.endpoint,
      id: row.id,
      name: row.name,
      state: row.state,
      removedAt: row.removed_at,
    });
  }
}

/** Escapes `%`, `_` and `\` for a LIKE pattern with `\` as the escape character. */
function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (char) => `\\${char}`);
}
