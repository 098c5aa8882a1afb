import { isDigest, truncate } from '../../common/digest.js';
import { InputError } from '../../common/errors.js';
import { DOCKER_HUB, normalizeRegistry, parseReference } from '../../image/reference.js';

/**
 * Repository patterns of the trust policy. A pattern names repositories only, never a tag or a
 * digest: `127.0.0.1:5000/lab/debian`, `debian` (normalised to `docker.io/library/debian`) or
 * a glob where `*` matches within one path component and `**` across components
 * (`127.0.0.1:5000/lab/*`). A glob whose first component contains `*` matches any registry.
 */
export interface RepositoryPattern {
  /** The normalised text, for messages and comparisons. */
  text: string;
  /** Whether the pattern has wildcards. */
  glob: boolean;
  test(name: string): boolean;
}

/** Characters a glob may contain besides those of a repository name. */
const GLOB_PATTERN = /^[A-Za-z0-9._\-/:*]+$/;
const MAX_PATTERN_LENGTH = 512;

/**
 * Compiles a repository pattern.
 *
 * @throws InputError when the text is not a repository name or glob, or carries a tag or digest.
 */
export function compileRepositoryPattern(text: string): RepositoryPattern {
  const trimmed = text.trim();
  if (trimmed.length > MAX_PATTERN_LENGTH) throw new InputError(`repository pattern "${truncate(trimmed)}" is longer than ${MAX_PATTERN_LENGTH} characters`);
  if (!trimmed.includes('*')) {
    const name = normaliseRepository(trimmed);
    return { text: name, glob: false, test: (candidate) => candidate === name };
  }
  if (!GLOB_PATTERN.test(trimmed) || trimmed.includes('@')) {
    throw new InputError(`invalid repository pattern "${truncate(trimmed)}"`, {
      hint: 'write registry/repository with * for one path component or ** for several, for example 127.0.0.1:5000/lab/*',
    });
  }
  const normalised = normaliseGlob(trimmed);
  const regex = globToRegExp(normalised);
  return { text: normalised, glob: true, test: (candidate) => regex.test(candidate) };
}

/**
 * Normalises a repository name as Docker does and returns `registry/repository`.
 *
 * @throws InputError when the name is invalid or has a tag or digest.
 */
export function normaliseRepository(text: string): string {
  const reference = parseReference(text, { defaultTag: null });
  if (reference.tag !== undefined || reference.digest !== undefined) {
    throw new InputError(`"${truncate(text)}" names a tag or digest, but a repository is expected`, {
      hint: 'write the repository alone and list tags under tags: and digests under digests:',
    });
  }
  return reference.name;
}

/** Applies Docker's normalisation to a glob whose first component is a registry or namespace. */
function normaliseGlob(text: string): string {
  const components = text.split('/');
  const first = components[0]!;
  if (first.includes('*')) return text;
  if (isRegistryComponent(first)) return [normalizeRegistry(first).toLowerCase(), ...components.slice(1)].join('/');
  const path = components.length === 1 ? ['library', ...components] : components;
  return [DOCKER_HUB, ...path].join('/');
}

/** Whether the first component of a name is a registry host, by Docker's rule. */
function isRegistryComponent(component: string): boolean {
  return component.includes('.') || component.includes(':') || component === 'localhost' || component !== component.toLowerCase();
}

function globToRegExp(glob: string): RegExp {
  let source = '';
  for (let index = 0; index < glob.length; index++) {
    const char = glob[index]!;
    if (char === '*' && glob[index + 1] === '*') {
      source += '.*';
      index++;
    } else if (char === '*') {
      source += '[^/]*';
    } else {
      source += char.replace(/[.\\+?^${}()|[\]]/g, '\\$&');
    }
  }
  return new RegExp(`^${source}$`);
}

/**
 * An image as the policy sees it: every name it is known under, with tags, and every digest
 * (manifest, index or config) that identifies it.
 */
export interface ImageIdentity {
  names: Array<{ name: string; tag?: string }>;
  digests: Set<string>;
}

/** Builds an identity from references (`repo:tag`, `repo@digest`) and digests. */
export function identityOf(references: Iterable<string>, digests: Iterable<string | undefined>): ImageIdentity {
  const names: ImageIdentity['names'] = [];
  const digestSet = new Set<string>();
  for (const digest of digests) if (digest !== undefined && isDigest(digest)) digestSet.add(digest);
  for (const text of references) {
    let reference;
    try {
      reference = parseReference(text, { defaultTag: null });
    } catch {
      continue;
    }
    if (!names.some((entry) => entry.name === reference.name && entry.tag === reference.tag)) {
      names.push(reference.tag === undefined ? { name: reference.name } : { name: reference.name, tag: reference.tag });
    }
    if (reference.digest !== undefined) digestSet.add(reference.digest);
  }
  return { names, digests: digestSet };
}

/** A `blocked` entry: a repository pattern with an optional tag glob and digest, or a bare digest. */
export interface ImagePattern {
  text: string;
  repository: RepositoryPattern | undefined;
  tag: RegExp | undefined;
  digest: string | undefined;
}

/**
 * Compiles `NAME[:TAG][@DIGEST]` or a bare digest. NAME may be a glob, and TAG may use `*`.
 *
 * @throws InputError for malformed text.
 */
export function compileImagePattern(text: string): ImagePattern {
  const trimmed = text.trim();
  if (isDigest(trimmed)) return { text: trimmed, repository: undefined, tag: undefined, digest: trimmed };

  const at = trimmed.indexOf('@');
  const digest = at === -1 ? undefined : trimmed.slice(at + 1);
  if (digest !== undefined && !isDigest(digest)) {
    throw new InputError(`invalid digest "${truncate(digest)}" in image pattern "${truncate(trimmed)}"`, { hint: 'write sha256:<64 hex digits>' });
  }
  const nameAndTag = at === -1 ? trimmed : trimmed.slice(0, at);
  const colon = nameAndTag.lastIndexOf(':');
  const hasTag = colon > nameAndTag.lastIndexOf('/');
  const tagText = hasTag ? nameAndTag.slice(colon + 1) : undefined;
  if (tagText !== undefined && !/^[\w*][\w.*-]{0,127}$/.test(tagText)) {
    throw new InputError(`invalid tag "${truncate(tagText)}" in image pattern "${truncate(trimmed)}"`);
  }
  const repository = compileRepositoryPattern(hasTag ? nameAndTag.slice(0, colon) : nameAndTag);
  const tag = tagText === undefined ? undefined : globToRegExp(tagText);
  return { text: trimmed, repository, tag, digest };
}

/** Whether an image pattern matches any name (and tag, and digest) of an identity. */
export function imagePatternMatches(pattern: ImagePattern, identity: ImageIdentity): boolean {
  if (pattern.digest !== undefined && !identity.digests.has(pattern.digest)) return false;
  if (pattern.repository === undefined) return true;
  return identity.names.some(
    (entry) => pattern.repository!.test(entry.name) && (pattern.tag === undefined || (entry.tag !== undefined && pattern.tag.test(entry.tag))),
  );
}
