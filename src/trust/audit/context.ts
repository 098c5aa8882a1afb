import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { lstat, open, readdir, readlink, realpath } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { sha256, type Digest } from '../../common/digest.js';
import { InputError, describeError, type Warning } from '../../common/errors.js';
import { analyseDockerfile, MAX_DOCKERFILE_LENGTH } from '../dockerfile/analyse.js';
import type { AnalyseOptions, DockerfileAnalysis } from '../dockerfile/types.js';
import { readRegularFile } from '../read.js';
import { compileGoMatch, hasWildcard, isIgnored, mayReincludeBeneath, parseDockerignore, type IgnoreRule } from './patterns.js';

/** One pinned file: a path relative to the context root, `/`-separated. */
export interface PinnedFile {
  path: string;
  /** `symlink` entries hash the link text, never the target. */
  kind: 'file' | 'symlink';
  /** Hex sha256 of the content (or of the link text). */
  sha256: string;
  /**
   * Set when a context file has an executable bit, which COPY and ADD keep in the image. Only
   * this bit is pinned, because the other permission bits follow each checkout's umask.
   */
  executable?: true;
}

/** The files an approval pins, and one digest over all of them. */
export interface ContextPin {
  files: PinnedFile[];
  /** sha256 over the sorted `kind sha256 path` lines (see `digestOf`): the same on every machine. */
  digest: Digest;
  dockerfile: { path: string; text: string };
  /** Sources not found, symlinks not followed, variables not resolved. */
  warnings: Warning[];
}

export interface PinContextOptions {
  /** The build context directory. */
  contextDir: string;
  /** The Dockerfile, which may lie outside the context. */
  dockerfile: string;
  analyseOptions?: AnalyseOptions;
  signal?: AbortSignal;
  /** Most files pinned before giving up; a context this large is rarely intended. */
  maxFiles?: number;
}

/** Largest `.dockerignore` read, in bytes: real ones are a few hundred. */
export const MAX_DOCKERIGNORE_BYTES = 1024 * 1024;

/** Default `maxFiles`: well above real build contexts, low enough to stop a runaway walk. */
export const DEFAULT_MAX_FILES = 100_000;

/**
 * Pins a build: the Dockerfile, the `.dockerignore` that applies (BuildKit prefers
 * `<Dockerfile>.dockerignore` next to the Dockerfile over `.dockerignore` at the context root),
 * and every context file COPY, ADD and `RUN --mount=type=bind` read after `.dockerignore` is
 * applied. Paths are resolved inside the context only: `..` stops at the root as in BuildKit,
 * and a symlink is followed only when it is itself a named source and its target is inside.
 *
 * A source with an unresolved variable pins the whole context, since any file could be read.
 *
 * @throws InputError when the context or Dockerfile cannot be read, the Dockerfile is invalid,
 *   or more than `maxFiles` files would be pinned.
 */
export async function pinBuildContext(options: PinContextOptions): Promise<ContextPin> {
  const root = await realpath(options.contextDir).catch((error: unknown) => {
    throw new InputError(`build context "${options.contextDir}" cannot be read: ${describeError(error)}`, {
      hint: 'Pass an existing directory.',
      cause: error,
    });
  });
  const text = await readDockerfile(options.dockerfile);
  const analysis = analyseDockerfile(text, options.analyseOptions);

  const walker = new ContextWalker(root, options.maxFiles ?? DEFAULT_MAX_FILES, options.signal);
  walker.ignoreRules = await walker.loadIgnoreFile(path.resolve(options.dockerfile));
  await selectSources(walker, analysis);

  const dockerfilePath = toContextPath(root, path.resolve(options.dockerfile));
  walker.addContent(dockerfilePath, 'file', createHash('sha256').update(text).digest('hex'));
  const files = walker.sortedFiles();
  return { files, digest: digestOf(files), dockerfile: { path: dockerfilePath, text }, warnings: walker.warnings };
}

async function readDockerfile(file: string): Promise<string> {
  const content = await readRegularFile(file, { maxBytes: MAX_DOCKERFILE_LENGTH, what: 'Dockerfile', hint: 'Pass the path of a Dockerfile, a regular file of at most 1 MiB.' });
  if (content === undefined) throw new InputError(`Dockerfile "${file}" cannot be read: it does not exist`, { hint: 'Pass the path of the Dockerfile.' });
  return content.toString('utf8');
}

async function selectSources(walker: ContextWalker, analysis: DockerfileAnalysis): Promise<void> {
  for (const source of analysis.contextFiles) {
    if (source.unresolved) {
      walker.warn('context.unresolved', `${source.instruction} on line ${source.line} reads "${source.source}", which depends on ${source.unresolved.join(', ')}; the whole context is pinned`);
      await walker.addSource('.', source.line);
      continue;
    }
    await walker.addSource(source.source, source.line);
  }
}

/** Returns the `/`-separated path of `absolute` relative to `root`; it may start with `../`. */
function toContextPath(root: string, absolute: string): string {
  return path.relative(root, absolute).split(path.sep).join('/');
}

/**
 * sha256 over `kind sha256 path` lines, sorted by path in code-point order. An executable file's
 * kind reads `file+x`, so approvals of files without the bit keep their digest.
 */
export function digestOf(files: PinnedFile[]): Digest {
  const lines = [...files].sort(comparePaths).map((file) => `${file.kind}${file.executable ? '+x' : ''} ${file.sha256} ${file.path}\n`);
  return sha256(lines.join(''));
}

/** Orders files by path in code-point order, the same in every locale. */
function comparePaths(a: PinnedFile, b: PinnedFile): number {
  if (a.path === b.path) return 0;
  return a.path < b.path ? -1 : 1;
}

class ContextWalker {
  readonly warnings: Warning[] = [];
  ignoreRules: IgnoreRule[] = [];
  private readonly files = new Map<string, PinnedFile>();
  private readonly pending = new Map<string, 'file'>();

  constructor(
    private readonly root: string,
    private readonly maxFiles: number,
    private readonly signal: AbortSignal | undefined,
  ) {}

  warn(code: string, message: string, filePath?: string): void {
    this.warnings.push(filePath === undefined ? { code, message } : { code, message, path: filePath });
  }

  /** Reads the ignore rules and pins the file they came from. */
  async loadIgnoreFile(dockerfile: string): Promise<IgnoreRule[]> {
    for (const candidate of [`${dockerfile}.dockerignore`, path.join(this.root, '.dockerignore')]) {
      const content = await readRegularFile(candidate, { maxBytes: MAX_DOCKERIGNORE_BYTES, what: '.dockerignore', hint: 'Make the .dockerignore a regular file of at most 1 MiB, or remove it.' });
      if (content === undefined) continue;
      const text = content.toString('utf8');
      this.addContent(toContextPath(this.root, candidate), 'file', createHash('sha256').update(text).digest('hex'));
      return parseDockerignore(text);
    }
    return [];
  }

  addContent(relative: string, kind: PinnedFile['kind'], hash: string, executable = false): void {
    this.files.set(relative, executable ? { path: relative, kind, sha256: hash, executable: true } : { path: relative, kind, sha256: hash });
  }

  /** Selects what one cleaned source path matches, then hashes it. */
  async addSource(source: string, line: number): Promise<void> {
    const matches = await this.expand(source === '.' ? [] : source.split('/'));
    if (matches.length === 0) {
      this.warn('context.not-found', `source "${source}" on line ${line} matches no file in the build context`, source);
      return;
    }
    for (const match of matches) await this.addPath(match, true);
    await this.hashPending();
  }

  /** Expands wildcards component by component, never leaving the context. */
  private async expand(components: string[]): Promise<string[]> {
    let current = [''];
    for (const component of components) {
      const next: string[] = [];
      for (const base of current) {
        if (!hasWildcard(component)) {
          next.push(join(base, component));
          continue;
        }
        const pattern = compileGoMatch(component);
        if (!(await this.resolvesInside(base))) continue;
        const entries = await readdir(this.absolute(base)).catch(() => [] as string[]);
        for (const name of entries.sort()) if (pattern.test(name)) next.push(join(base, name));
      }
      current = next;
    }
    const present: string[] = [];
    for (const candidate of current) {
      if (candidate !== '' && isIgnored(this.ignoreRules, candidate) && !(await this.isReincludingDirectory(candidate))) continue;
      if (!(await this.resolvesInside(path.posix.dirname(candidate)))) {
        this.warn('context.symlink-outside', `"${candidate}" lies under a symlink that points outside the build context; it is not read`, candidate);
        continue;
      }
      if (candidate === '' || (await lstat(this.absolute(candidate)).catch(() => undefined))) present.push(candidate);
    }
    return present;
  }

  /** Checks whether an ignored path is a directory that an exception could re-include files beneath. */
  private async isReincludingDirectory(relative: string): Promise<boolean> {
    if (!mayReincludeBeneath(this.ignoreRules, relative)) return false;
    const info = await lstat(this.absolute(relative)).catch(() => undefined);
    return info?.isDirectory() === true;
  }

  /** Checks that a directory, with any symlinks on its path resolved, is inside the context. */
  private async resolvesInside(relative: string): Promise<boolean> {
    if (relative === '' || relative === '.') return true;
    const resolved = await realpath(this.absolute(relative)).catch(() => undefined);
    return resolved === undefined || isInside(this.root, resolved);
  }

  /** Adds a file, a symlink, or a directory tree. `named`: the path is a source itself. */
  private async addPath(relative: string, named: boolean): Promise<void> {
    this.signal?.throwIfAborted();
    const info = await lstat(this.absolute(relative));
    if (relative !== '' && isIgnored(this.ignoreRules, relative) && !(info.isDirectory() && mayReincludeBeneath(this.ignoreRules, relative))) return;
    if (info.isSymbolicLink()) {
      await this.addSymlink(relative, named);
    } else if (info.isDirectory()) {
      const entries = await readdir(this.absolute(relative));
      for (const name of entries.sort()) await this.addPath(join(relative, name), false);
    } else if (info.isFile() && !isIgnored(this.ignoreRules, relative)) {
      this.queue(relative);
    }
  }

  private async addSymlink(relative: string, named: boolean): Promise<void> {
    if (isIgnored(this.ignoreRules, relative)) return;
    const target = await readlink(this.absolute(relative));
    this.addContent(relative, 'symlink', createHash('sha256').update(target).digest('hex'));
    if (!named) return;

    // A named source that is a symlink is copied as its target; follow it only inside.
    const resolved = await realpath(this.absolute(relative)).catch(() => undefined);
    if (resolved === undefined || !isInside(this.root, resolved)) {
      this.warn('context.symlink-outside', `symlink "${relative}" points outside the build context and is not followed`, relative);
      return;
    }
    await this.addPath(toContextPath(this.root, resolved), false);
  }

  private queue(relative: string): void {
    if (this.files.has(relative) || this.pending.has(relative)) return;
    if (this.files.size + this.pending.size >= this.maxFiles) {
      throw new InputError(`the build reads more than ${this.maxFiles} context files`, {
        hint: 'Add a .dockerignore, or raise maxFiles if this context is intended.',
      });
    }
    this.pending.set(relative, 'file');
  }

  private async hashPending(): Promise<void> {
    for (const relative of this.pending.keys()) {
      const { hash, executable } = await this.hashFile(relative);
      this.addContent(relative, 'file', hash, executable);
    }
    this.pending.clear();
  }

  /**
   * Hashes a file the walk saw as regular. It is opened without blocking and checked again,
   * because it may have been replaced by a FIFO or device since.
   */
  private async hashFile(relative: string): Promise<{ hash: string; executable: boolean }> {
    const handle = await open(this.absolute(relative), constants.O_RDONLY | constants.O_NONBLOCK);
    try {
      const info = await handle.stat();
      if (!info.isFile()) {
        throw new InputError(`context file "${relative}" is no longer a regular file`, { hint: 'Pin the context again once it stops changing.' });
      }
      const hash = createHash('sha256');
      await pipeline(handle.createReadStream({ autoClose: false }), hash, { signal: this.signal });
      return { hash: hash.digest('hex'), executable: (info.mode & 0o111) !== 0 };
    } finally {
      await handle.close();
    }
  }

  private absolute(relative: string): string {
    return path.join(this.root, ...relative.split('/').filter((part) => part !== ''));
  }

  sortedFiles(): PinnedFile[] {
    return [...this.files.values()].sort(comparePaths);
  }
}

function join(base: string, name: string): string {
  return base === '' ? name : `${base}/${name}`;
}

function isInside(root: string, candidate: string): boolean {
  const relative = path.relative(root, candidate);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}
