import { isDigest, truncate, type Digest } from '../common/digest.js';
import { InputError } from '../common/errors.js';

/**
 * Image references as the distribution reference grammar defines them
 * (github.com/distribution/reference, reference.go):
 *
 *   reference        := name [ ":" tag ] [ "@" digest ]
 *   name             := [domain "/"] remote-name
 *   domain           := host [":" port-number]
 *   host             := domain-name | IPv4address | "[" IPv6address "]"
 *   domain-component := /([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])/
 *   path-component   := alpha-numeric [separator alpha-numeric]*
 *   alpha-numeric    := /[a-z0-9]+/
 *   separator        := /[_.]|__|[-]+/
 *   tag              := /[\w][\w.-]{0,127}/
 *
 * Docker's normalisation on top of the grammar: a first path component that has no `.` or `:`,
 * is not `localhost` and is all lowercase is a Docker Hub namespace, not a host, and official
 * Docker Hub images live under `library/`.
 */

/** The registry name Docker Hub references normalise to. */
export const DOCKER_HUB = 'docker.io';

const DOCKER_HUB_ALIASES = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);

/** Max length of `registry/repository`, as distribution/reference enforces it. */
export const MAX_NAME_LENGTH = 255;

/** Max length of a tag: one leading word character and up to 127 more. */
export const MAX_TAG_LENGTH = 128;

const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const IPV6_HOST = '\\[[a-fA-F0-9:]+\\]';
const DOMAIN_PATTERN = new RegExp(`^(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|${IPV6_HOST})(?::[0-9]+)?$`);
const PATH_COMPONENT_PATTERN = /^[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*$/;
const TAG_PATTERN = /^[\w][\w.-]{0,127}$/;
const HEX_ID_PATTERN = /^[a-f0-9]{64}$/;

/** A parsed, normalised image reference. Tag and digest are kept apart: either, both or neither. */
export interface ImageReference {
  /** Registry host with optional port, `docker.io` for Docker Hub: `127.0.0.1:5000`, `ghcr.io`. */
  readonly registry: string;
  /** Repository path inside the registry: `library/nginx`, `lab/app`. */
  readonly repository: string;
  readonly tag: string | undefined;
  readonly digest: Digest | undefined;
  /** `registry/repository`, without tag or digest. */
  readonly name: string;
  /** The short form Docker prints: `nginx:1.27`, `user/app@sha256:…`, `ghcr.io/o/app:1`. */
  readonly familiar: string;
  /** The full form: `docker.io/library/nginx:1.27`, `127.0.0.1:5000/lab/app:1@sha256:…`. */
  toString(): string;
}

export interface ParseReferenceOptions {
  /**
   * Tag to add when the reference has neither tag nor digest. Default `latest`, as `docker pull`
   * does. Pass `null` to keep such a reference untagged.
   */
  defaultTag?: string | null;
}

/**
 * Parses and normalises an image reference: `nginx` becomes `docker.io/library/nginx:latest`,
 * `index.docker.io/user/app` becomes `docker.io/user/app:latest`.
 *
 * @throws InputError when the reference does not match the grammar, or a part is too long.
 * @example parseReference('127.0.0.1:5000/lab/app:1').repository === 'lab/app'
 */
export function parseReference(input: string, options: ParseReferenceOptions = {}): ImageReference {
  const text = input.trim();
  if (text === '') throw invalid(input, 'it is empty');

  const { rest: nameAndTag, digest } = splitDigest(text, input);
  const { name, tag } = splitTag(nameAndTag, input);
  const { registry, repository } = splitName(name, input);

  const defaultTag = options.defaultTag === undefined ? 'latest' : options.defaultTag;
  const finalTag = tag ?? (digest === undefined && defaultTag !== null ? defaultTag : undefined);
  return makeReference(registry, repository, finalTag, digest);
}

/**
 * Builds a reference from parts that are already normalised, such as a repository name and a
 * digest read from a registry. Validates each part like `parseReference`.
 */
export function makeReference(registry: string, repository: string, tag?: string, digest?: Digest): ImageReference {
  const name = `${registry}/${repository}`;
  if (tag !== undefined && !TAG_PATTERN.test(tag)) throw invalid(name, `tag "${truncate(tag)}" is not valid`);
  if (digest !== undefined && !isDigest(digest)) throw invalid(name, `digest "${truncate(digest)}" is not valid`);
  checkName(registry, repository, name);

  const suffix = `${tag === undefined ? '' : `:${tag}`}${digest === undefined ? '' : `@${digest}`}`;
  const familiar = `${familiarName(registry, repository)}${suffix}`;
  const full = `${name}${suffix}`;
  return { registry, repository, tag, digest, name, familiar, toString: () => full };
}

/** Returns the reference a registry API path takes for this image: the digest when known, else the tag. */
export function manifestReference(reference: ImageReference): string {
  if (reference.digest !== undefined) return reference.digest;
  if (reference.tag !== undefined) return reference.tag;
  throw new InputError(`image reference "${reference.toString()}" has neither tag nor digest`, {
    hint: 'Add a tag (":latest") or a digest ("@sha256:…").',
  });
}

/** Returns the canonical registry name: `index.docker.io` and `registry-1.docker.io` become `docker.io`. */
export function normalizeRegistry(registry: string): string {
  const lower = registry.toLowerCase();
  return DOCKER_HUB_ALIASES.has(lower) ? DOCKER_HUB : registry;
}

function splitDigest(text: string, input: string): { rest: string; digest: Digest | undefined } {
  const at = text.indexOf('@');
  if (at === -1) return { rest: text, digest: undefined };

  const digest = text.slice(at + 1);
  if (!isDigest(digest)) {
    throw invalid(input, `digest "${truncate(digest)}" is not sha256:<64 hex> or sha512:<128 hex>`);
  }
  return { rest: text.slice(0, at), digest: digest as Digest };
}

function splitTag(text: string, input: string): { name: string; tag: string | undefined } {
  // A colon after the last slash starts the tag; one before it belongs to a host:port.
  const colon = text.lastIndexOf(':');
  if (colon === -1 || colon < text.lastIndexOf('/')) return { name: text, tag: undefined };

  const tag = text.slice(colon + 1);
  if (tag.length > MAX_TAG_LENGTH) throw invalid(input, `the tag is longer than ${MAX_TAG_LENGTH} characters`);
  if (!TAG_PATTERN.test(tag)) {
    throw invalid(input, `tag "${truncate(tag)}" must start with a letter, digit or "_" and contain only those, "." and "-"`);
  }
  return { name: text.slice(0, colon), tag };
}

function splitName(name: string, input: string): { registry: string; repository: string } {
  const slash = name.indexOf('/');
  const first = slash === -1 ? '' : name.slice(0, slash);
  const isHost = slash !== -1 && (/[.:]/.test(first) || first === 'localhost' || first.toLowerCase() !== first);

  if (!isHost) {
    if (HEX_ID_PATTERN.test(name)) {
      throw invalid(input, 'a 64-character hex string is an image ID, not a repository name', 'Write a digest as "repo@sha256:<hex>".');
    }
    const repository = slash === -1 ? `library/${name}` : name;
    return { registry: DOCKER_HUB, repository };
  }

  if (!DOMAIN_PATTERN.test(first)) throw invalid(input, `registry host "${truncate(first)}" is not a valid host[:port]`);
  const registry = normalizeRegistry(first);
  const path = name.slice(slash + 1);
  // Docker Hub official images are stored under library/ whichever alias the user wrote.
  const repository = registry === DOCKER_HUB && !path.includes('/') ? `library/${path}` : path;
  return { registry, repository };
}

function checkName(registry: string, repository: string, input: string): void {
  if (!DOMAIN_PATTERN.test(registry)) throw invalid(input, `registry host "${truncate(registry)}" is not a valid host[:port]`);
  if (repository === '') throw invalid(input, 'the repository name is empty');

  for (const component of repository.split('/')) {
    if (PATH_COMPONENT_PATTERN.test(component)) continue;
    if (PATH_COMPONENT_PATTERN.test(component.toLowerCase())) {
      throw invalid(input, 'repository names must be lowercase', `Write "${truncate(repository.toLowerCase())}".`);
    }
    throw invalid(
      input,
      `repository path component "${truncate(component)}" is not valid`,
      'Use lowercase letters and digits, separated by ".", "_", "__" or "-", with "/" between components.',
    );
  }

  const length = registry.length + 1 + repository.length;
  if (length > MAX_NAME_LENGTH) throw invalid(input, `the name is ${length} characters long, more than ${MAX_NAME_LENGTH}`);
}

function familiarName(registry: string, repository: string): string {
  if (registry !== DOCKER_HUB) return `${registry}/${repository}`;
  const official = repository.startsWith('library/') && repository.indexOf('/', 'library/'.length) === -1;
  return official ? repository.slice('library/'.length) : repository;
}

function invalid(input: string, reason: string, hint?: string): InputError {
  return new InputError(`invalid image reference "${truncate(input)}": ${reason}`, {
    hint: hint ?? 'Write references as [registry[:port]/]repository[:tag][@sha256:digest], for example "nginx:1.27".',
  });
}
