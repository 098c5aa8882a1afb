/**
 * Path rules for tar entries in image layers and archives.
 *
 * Layer tars are written by many tools: Docker writes `etc/passwd`, some builders write
 * `./etc/passwd` or `/etc/passwd`, and a hostile layer can write `../../etc/passwd`. Every path
 * is normalised to one relative form before anything else looks at it.
 */

/** Prefix of a whiteout file: `.wh.NAME` deletes `NAME` from the lower layers (OCI image spec, layer.md). */
export const WHITEOUT_PREFIX = '.wh.';

/** A whiteout file with this name hides every lower entry of its directory. */
export const OPAQUE_WHITEOUT = '.wh..wh..opq';

/**
 * Normalises a tar entry path: strips leading `/` and `./`, drops `.` and empty segments and
 * resolves `..` against earlier segments. Returns `undefined` when the path climbs above the
 * root, and `''` for the root itself. The result never has a leading or trailing slash.
 */
export function normalizeTarPath(name: string): string | undefined {
  const segments: string[] = [];
  for (const segment of name.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') {
      if (segments.length === 0) return undefined;
      segments.pop();
      continue;
    }
    segments.push(segment);
  }
  return segments.join('/');
}

/** Resolves a symlink target found at `linkPath` inside an archive; `undefined` when it escapes. */
export function resolveArchiveLink(linkPath: string, target: string): string | undefined {
  if (target.startsWith('/')) return normalizeTarPath(target);
  const slash = linkPath.lastIndexOf('/');
  const directory = slash === -1 ? '' : linkPath.slice(0, slash);
  return normalizeTarPath(`${directory}/${target}`);
}

/** What a normalised path means for the merged filesystem. */
export type WhiteoutKind =
  | { kind: 'none' }
  | { kind: 'whiteout'; target: string }
  | { kind: 'opaque'; directory: string }
  /** A `.wh..wh.` name other than the opaque marker: reserved by the OCI spec, ignored. */
  | { kind: 'reserved' };

/** Classifies a normalised path as a plain entry, a whiteout or an opaque-directory marker. */
export function classifyWhiteout(path: string): WhiteoutKind {
  const slash = path.lastIndexOf('/');
  const base = slash === -1 ? path : path.slice(slash + 1);
  if (!base.startsWith(WHITEOUT_PREFIX)) return { kind: 'none' };

  const directory = slash === -1 ? '' : path.slice(0, slash);
  if (base === OPAQUE_WHITEOUT) return { kind: 'opaque', directory };
  if (base.startsWith(`${WHITEOUT_PREFIX}${WHITEOUT_PREFIX}`)) return { kind: 'reserved' };

  const name = base.slice(WHITEOUT_PREFIX.length);
  if (name === '' || name === '.' || name === '..') return { kind: 'reserved' };
  return { kind: 'whiteout', target: directory === '' ? name : `${directory}/${name}` };
}
