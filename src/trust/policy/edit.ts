import { randomBytes } from 'node:crypto';
import { lstat, mkdir, open, readFile, realpath, rename, rm, stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
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
  const target = await resolvePolicyTarget(file);
  return withPolicyLock(target, () => addUnlocked(file, target, base, pattern.text));
}

async function addUnlocked(file: string, target: string, base: TrustedBase, normalised: string): Promise<AddBaseResult> {
  const text = await readPolicyText(target);
  const { document } = parsePolicyDocument(text ?? '', file);
  if (text === undefined) document.commentBefore = NEW_FILE_HEADER;

  const bases = baseSequence(document, file);
  const index = findBase(document, bases, normalised, file);
  let entry: TrustedBase;
  if (index === undefined) {
    entry = withoutUndefined({ repository: base.repository.trim(), tags: base.tags, digests: base.digests, note: base.note });
    bases.add(document.createNode(entry));
  } else {
    entry = extendBase(document, index, base);
  }

  await writePolicyDocument(target, document);
  return { added: index === undefined, createdFile: text === undefined, entry };
}

/**
 * Removes the trusted base for a repository, or only one digest pin of it when `digest` is set.
 * Returns false when the policy has no such entry or pin; the file is then left untouched.
 *
 * @throws InputError when `digest` is the entry's only pin, or the entry uses YAML aliases.
 */
export async function removeTrustedBase(file: string, repository: string, digest?: string): Promise<boolean> {
  const pattern = compileRepositoryPattern(repository);
  const target = await resolvePolicyTarget(file);
  return withPolicyLock(target, () => removeUnlocked(file, target, pattern.text, digest));
}

async function removeUnlocked(file: string, target: string, normalised: string, digest: string | undefined): Promise<boolean> {
  const text = await readPolicyText(target);
  if (text === undefined) return false;
  const { document } = parsePolicyDocument(text, file);
  const bases = document.get('trustedBases', true);
  if (isAlias(bases)) throw aliasError(file, 'trustedBases');
  if (!isSeq(bases)) return false;
  const index = findBase(document, bases, normalised, file);
  if (index === undefined) return false;

  if (digest === undefined) {
    bases.delete(index);
  } else {
    const digests = document.getIn(['trustedBases', index, 'digests'], true);
    if (!isSeq(digests)) return false;
    const position = digests.items.findIndex((item) => isScalar(item) && item.value === digest);
    if (position === -1) return false;
    if (digests.items.length === 1) {
      // An empty list trusts no digest, and dropping the key would trust every digest: neither is
      // what removing one pin means, so the user decides.
      throw new InputError(`${digest} is the only digest pin of trusted base ${normalised} in ${truncate(file)}`, {
        hint: `remove the whole base with bosun trust base remove ${normalised}, or pin another digest first`,
      });
    }
    digests.delete(position);
  }
  await writePolicyDocument(target, document);
  return true;
}

/**
 * Resolves the file an edit writes: the target of a symlinked policy, so the link stays a link,
 * or the path itself when the file does not exist yet.
 *
 * @throws InputError for a symlink whose target does not exist.
 */
async function resolvePolicyTarget(file: string): Promise<string> {
  try {
    return await realpath(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new InputError(`cannot read policy file ${truncate(file)}: ${describeError(error)}`, { hint: 'check the path and its permissions', cause: error });
    }
  }
  const link = await lstat(file).catch(() => undefined);
  if (link?.isSymbolicLink()) {
    throw new InputError(`policy file ${truncate(file)} is a symlink to a file that does not exist`, { hint: 'create the target or point the link at an existing policy file' });
  }
  return path.resolve(file);
}

/**
 * Runs a read-modify-write of the policy while holding `POLICY.lock`, created with O_EXCL, so
 * that concurrent edits do not lose each other's entries. A lock left by a process that is no
 * longer running, or older than LOCK_STALE_MS, is removed.
 *
 * @throws InputError when another edit holds the lock for longer than LOCK_TIMEOUT_MS.
 */
async function withPolicyLock<T>(target: string, edit: () => Promise<T>): Promise<T> {
  const lock = `${target}.lock`;
  await acquireLock(lock);
  try {
    return await edit();
  } finally {
    await rm(lock, { force: true });
  }
}

/** Longest wait for another edit's lock, in milliseconds: an edit itself takes a few. */
const LOCK_TIMEOUT_MS = 10_000;
/** Age in milliseconds after which a lock counts as left behind by a crash. */
const LOCK_STALE_MS = 5 * 60_000;
const LOCK_RETRY_MS = 20;

async function acquireLock(lock: string): Promise<void> {
  const deadline = Date.now() + LOCK_TIMEOUT_MS;
  for (;;) {
    try {
      await mkdir(path.dirname(lock), { recursive: true, mode: 0o700 });
      const handle = await open(lock, 'wx', 0o600);
      try {
        await handle.writeFile(`${process.pid}\n`, 'utf8');
      } finally {
        await handle.close();
      }
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new InputError(`cannot create lock file ${truncate(lock)}: ${describeError(error)}`, { hint: 'check that the policy directory is writable', cause: error });
      }
    }
    if (await isStaleLock(lock)) {
      // NOTE: two editors that find the same stale lock may both remove it, and the second may
      // then remove the lock the first has just created.
      await rm(lock, { force: true });
      continue;
    }
    if (Date.now() > deadline) {
      throw new InputError(`policy file is locked by another edit: ${truncate(lock)} exists`, {
        hint: 'wait for the other bosun trust base command to finish, or remove the lock file if none is running',
      });
    }
    await sleep(LOCK_RETRY_MS);
  }
}

/** Reports whether a lock was left by a process that is gone (same host) or is older than LOCK_STALE_MS. */
async function isStaleLock(lock: string): Promise<boolean> {
  const info = await stat(lock).catch(() => undefined);
  if (info === undefined) return false;
  if (Date.now() - info.mtimeMs > LOCK_STALE_MS) return true;
  const pid = Number.parseInt(await readFile(lock, 'utf8').catch(() => ''), 10);
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
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
