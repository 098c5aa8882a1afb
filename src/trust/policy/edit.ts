import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { isAlias, isMap, isScalar, isSeq, visit, YAMLSeq, type Document, type Node } from 'yaml';
import { truncate } from '../../common/digest.js';
import { InputError, describeError } from '../../common/errors.js';
import { parsePolicyDocument, readPolicyText, validatePolicyDocument } from './load.js';
import { compileRepositoryPattern } from './pattern.js';
import type { TrustedBase } from './schema.js';

/** What `addTrustedBase` changed. */
export interface AddBaseResult {
  /** Whether a new entry was appended, rather than an existing one extended. */
  added: boolean;
  /** Whether the policy file did not exist and was created. */
  createdFile: boolean;
  entry: TrustedBase;
}

const NEW_FILE_HEADER = ' Bosun trust policy. See docs/policy.md for every key.';

/**
 * Adds a trusted base to the policy file, or extends the entry for the same repository with
 * new tags and digests (and replaces its note when one is given). The file is edited through
 * the YAML document, so comments and layout the user wrote stay, and written atomically.
 *
 * @throws PolicyError when the file is invalid before or after the edit, InputError for a bad
 *   repository pattern or an unwritable file.
 */
export async function addTrustedBase(file: string, base: TrustedBase): Promise<AddBaseResult> {
  const pattern = compileRepositoryPattern(base.repository);
  const text = await readPolicyText(file);
  const { document } = parsePolicyDocument(text ?? '', file);
  if (text === undefined) document.commentBefore = NEW_FILE_HEADER;

  const bases = baseSequence(document, file);
  const index = findBase(document, bases, pattern.text, file);
  let entry: TrustedBase;
  if (index === undefined) {
    entry = withoutUndefined({ repository: base.repository.trim(), tags: base.tags, digests: base.digests, note: base.note });
    bases.add(document.createNode(entry));
  } else {
    entry = extendBase(document, index, base);
  }

  await writePolicyDocument(file, document);
  return { added: index === undefined, createdFile: text === undefined, entry };
}

/**
 * Removes the trusted base for a repository, or only one digest pin of it when `digest` is set.
 * Returns false when the policy has no such entry or pin; the file is then left untouched.
 */
export async function removeTrustedBase(file: string, repository: string, digest?: string): Promise<boolean> {
  const pattern = compileRepositoryPattern(repository);
  const text = await readPolicyText(file);
  if (text === undefined) return false;
  const { document } = parsePolicyDocument(text, file);
  const bases = document.get('trustedBases', true);
  if (isAlias(bases)) throw aliasError(file, 'trustedBases');
  if (!isSeq(bases)) return false;
  const index = findBase(document, bases, pattern.text, file);
  if (index === undefined) return false;

  if (digest === undefined) {
    bases.delete(index);
  } else {
    const digests = document.getIn(['trustedBases', index, 'digests'], true);
    if (!isSeq(digests)) return false;
    const position = digests.items.findIndex((item) => isScalar(item) && item.value === digest);
    if (position === -1) return false;
    digests.delete(position);
  }
  await writePolicyDocument(file, document);
  return true;
}

/** The `trustedBases` sequence, created (in block style) when absent or empty. */
function baseSequence(document: Document, file: string): YAMLSeq {
  if (document.contents === null || (isScalar(document.contents) && document.contents.value === null)) {
    document.contents = document.createNode({}) as never;
  }
  if (!isMap(document.contents)) {
    throw new InputError(`policy file ${file} is not a YAML mapping`, { hint: 'the policy is a mapping with keys such as trustedBases; see docs/policy.md' });
  }
  const existing = document.get('trustedBases', true);
  if (isAlias(existing) || (isSeq(existing) && existing.anchor !== undefined)) throw aliasError(file, 'trustedBases');
  if (isSeq(existing)) {
    if (existing.items.length === 0) existing.flow = false;
    return existing;
  }
  if (existing !== undefined && !(isScalar(existing) && existing.value === null)) {
    throw new InputError(`trustedBases in ${file} is not a list`, { hint: 'write trustedBases as a list of entries with a repository key' });
  }
  const created = new YAMLSeq();
  document.set('trustedBases', created);
  return created;
}

/**
 * Finds the entry for a repository by the resolved values, so that an entry whose repository
 * comes from a merge key is found too. The entry found must be plain YAML.
 *
 * @throws InputError when the entry uses anchors, aliases or merge keys.
 */
function findBase(document: Document, bases: YAMLSeq, normalised: string, file: string): number | undefined {
  const resolved = (document.toJS({ maxAliasCount: 100 }) as { trustedBases?: unknown[] } | null)?.trustedBases ?? [];
  const index = resolved.findIndex((item) => {
    const repository = (item as { repository?: unknown } | null)?.repository;
    if (typeof repository !== 'string') return false;
    try {
      return compileRepositoryPattern(repository).text === normalised;
    } catch {
      return false;
    }
  });
  if (index === -1) return undefined;
  if (!isPlainNode(bases.items[index])) throw aliasError(file, `the trusted base ${normalised}`);
  return index;
}

/**
 * Reports whether a node and everything in it is free of anchors, aliases and merge keys. Editing
 * such a node would change other entries that share it, or leave an alias without its anchor.
 */
function isPlainNode(node: unknown): boolean {
  if (isAlias(node)) return false;
  let plain = true;
  visit(node as Node, {
    Node(_key, child) {
      if (isAlias(child) || (child as { anchor?: string }).anchor !== undefined) plain = false;
      return plain ? undefined : visit.BREAK;
    },
    Pair(_key, pair) {
      if (isScalar(pair.key) && pair.key.value === '<<') plain = false;
      return plain ? undefined : visit.BREAK;
    },
  });
  return plain;
}

function aliasError(file: string, what: string): InputError {
  return new InputError(`cannot edit ${what} in ${truncate(file)}: it uses YAML anchors, aliases or merge keys (<<), which other entries may share`, {
    hint: 'edit the policy file by hand',
  });
}

function extendBase(document: Document, index: number, base: TrustedBase): TrustedBase {
  for (const key of ['tags', 'digests'] as const) {
    const values = base[key] ?? [];
    if (values.length === 0) continue;
    const current = document.getIn(['trustedBases', index, key], true);
    if (!isSeq(current)) {
      document.setIn(['trustedBases', index, key], document.createNode(values));
      continue;
    }
    const present = new Set(current.items.map((item) => (isScalar(item) ? item.value : undefined)));
    for (const value of values) if (!present.has(value)) current.add(document.createNode(value));
  }
  if (base.note !== undefined) document.setIn(['trustedBases', index, 'note'], base.note);
  return (document.toJS() as { trustedBases: TrustedBase[] }).trustedBases[index]!;
}

function withoutUndefined(base: TrustedBase): TrustedBase {
  return Object.fromEntries(Object.entries(base).filter(([, value]) => value !== undefined && !(Array.isArray(value) && value.length === 0))) as TrustedBase;
}

/**
 * Validates the edited document and writes it: a temporary file in the same directory, flushed,
 * then renamed over the policy, so a reader sees the old file or the new one, never a mix. The
 * file keeps its mode; a new one gets 0600.
 */
async function writePolicyDocument(file: string, document: Document): Promise<void> {
  const text = document.toString();
  const reparsed = parsePolicyDocument(text, file);
  validatePolicyDocument(reparsed.document, reparsed.lineCounter, file);

  const directory = path.dirname(path.resolve(file));
  const mode = await stat(file).then((info) => info.mode & 0o777, () => 0o600);
  const temporary = path.join(directory, `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await mkdir(directory, { recursive: true, mode: 0o700 });
    const handle = await open(temporary, 'wx', mode);
    try {
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true });
    throw new InputError(`cannot write policy file ${truncate(file)}: ${describeError(error)}`, { hint: 'check that the directory exists and is writable', cause: error });
  }
}
