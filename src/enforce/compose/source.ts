import { readFile, stat } from 'node:fs/promises';
import { isMap, isNode, isPair, isScalar, LineCounter, parseDocument, type Document } from 'yaml';
import { describeError, InputError } from '../../common/errors.js';

/** Largest compose or `.env` file read, in bytes; real ones are a few kilobytes. */
export const MAX_COMPOSE_FILE_BYTES = 4 * 1024 * 1024;

/**
 * Maximum aliases resolved per file. YAML aliases can point at nodes that contain aliases, so
 * a few lines can expand to gigabytes (the "billion laughs" document). The yaml library throws
 * when a document resolves more aliases than this.
 */
export const MAX_ALIAS_COUNT = 1000;

/** A compose file that cannot be loaded, with the file and the 1-based line at fault. */
export class ComposeError extends InputError {
  readonly file: string;
  readonly line: number | undefined;

  constructor(file: string, line: number | undefined, message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(`${file}${line === undefined ? '' : `:${line}`}: ${message}`, {
      hint: options.hint ?? 'fix the compose file at the line named; `docker compose config` shows how Compose reads it',
      cause: options.cause,
    });
    this.file = file;
    this.line = line;
  }
}

/** One parsed compose file: its plain value and a way back from a key path to its line. */
export interface ComposeSource {
  file: string;
  value: Record<string, unknown>;
  /** The line of the node at `keys`, or of its nearest ancestor present in the file. */
  lineOf(keys: ReadonlyArray<string | number>): number | undefined;
}

/** Reads a text file of at most MAX_COMPOSE_FILE_BYTES; undefined when it does not exist. */
export async function readLimitedText(file: string, what: string): Promise<string | undefined> {
  const info = await stat(file).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw new ComposeError(file, undefined, `cannot read the ${what}: ${describeError(error)}`, { hint: 'check the path and its permissions', cause: error });
  });
  if (info === undefined) return undefined;
  if (!info.isFile()) throw new ComposeError(file, undefined, `the ${what} is not a regular file`, { hint: 'name a YAML file' });
  if (info.size > MAX_COMPOSE_FILE_BYTES) {
    throw new ComposeError(file, undefined, `the ${what} is ${info.size} bytes, more than ${MAX_COMPOSE_FILE_BYTES}`, { hint: 'check that the path names a compose file' });
  }
  return readFile(file, 'utf8');
}

/**
 * Parses compose YAML: YAML 1.2 with merge keys (`<<: *anchor`), duplicate keys rejected as
 * Compose rejects them, and aliases bounded by MAX_ALIAS_COUNT.
 *
 * @throws ComposeError naming the line of a syntax error, or when the top level is not a mapping.
 */
export function parseComposeText(text: string, file: string): ComposeSource {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { merge: true, lineCounter, prettyErrors: false, uniqueKeys: true });
  const error = document.errors[0];
  if (error !== undefined) {
    throw new ComposeError(file, lineCounter.linePos(error.pos[0]).line, firstLine(error.message));
  }

  let value: unknown;
  try {
    value = document.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (cause) {
    // The yaml library raises a ReferenceError for excessive aliases and for unresolvable ones.
    throw new ComposeError(file, undefined, `cannot expand the YAML aliases: ${describeError(cause)}`, {
      hint: `a compose file may resolve at most ${MAX_ALIAS_COUNT} aliases; remove nested aliases`,
      cause,
    });
  }
  if (value === null || value === undefined) value = {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new ComposeError(file, 1, 'the top level is not a mapping', { hint: 'a compose file is a mapping with keys such as services and volumes' });
  }
  return { file, value: value as Record<string, unknown>, lineOf: (keys) => lineOf(document, lineCounter, keys) };
}

function lineOf(document: Document, lineCounter: LineCounter, keys: ReadonlyArray<string | number>): number | undefined {
  for (let length = keys.length; length >= 0; length--) {
    const path = keys.slice(0, length);
    const keyNode = length === 0 ? undefined : keyNodeAt(document, path);
    if (keyNode !== undefined) return lineCounter.linePos(keyNode).line;
    const node: unknown = length === 0 ? document.contents : document.getIn(path, true);
    if (isNode(node) && node.range) return lineCounter.linePos(node.range[0]).line;
  }
  return undefined;
}

/** Finds the offset of the last path element's key, when its parent is a mapping. */
function keyNodeAt(document: Document, path: ReadonlyArray<string | number>): number | undefined {
  const parent: unknown = path.length === 1 ? document.contents : document.getIn(path.slice(0, -1), true);
  if (!isMap(parent)) return undefined;
  const key = path.at(-1);
  for (const pair of parent.items) {
    if (isPair(pair) && isScalar(pair.key) && pair.key.value === key && pair.key.range) return pair.key.range[0];
  }
  return undefined;
}

function firstLine(message: string): string {
  return message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
}
