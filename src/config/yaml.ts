import { LineCounter, isMap, isNode, isPair, isScalar, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import { InputError } from '../common/errors.js';
import { configFileSchema, type ConfigFile } from './schema.js';

/** Formats a key path with its file position: `/etc/bosun/config.yaml:7:5: engines[0].url`. */
export type Locator = (keyPath: ReadonlyArray<PropertyKey>) => string;

/**
 * Parses YAML config text (YAML 1.2 with `<<` merge keys, so engines and channels can share
 * anchors) and validates it.
 *
 * @throws InputError naming the file, line, column and key path of the first problems.
 */
export function parseConfigText(text: string, file: string): { config: ConfigFile; locate: Locator } {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { merge: true, lineCounter, prettyErrors: false, uniqueKeys: true });

  const syntax = document.errors[0];
  if (syntax !== undefined) {
    const position = lineCounter.linePos(syntax.pos[0]);
    throw new InputError(`${file}:${position.line}:${position.col}: invalid YAML: ${syntax.message.split('\n')[0]}`, {
      hint: 'fix the YAML syntax at that line',
    });
  }

  const locate: Locator = (keyPath) => {
    const offset = offsetOf(document, keyPath);
    const position = offset === undefined ? { line: 1, col: 1 } : lineCounter.linePos(offset);
    return `${file}:${position.line}:${position.col}: ${formatKeyPath(keyPath)}`;
  };

  const value: unknown = document.toJS({ maxAliasCount: 100 }) ?? {};
  const result = configFileSchema.safeParse(value);
  if (!result.success) {
    throw new InputError(describeIssues(result.error, locate), { hint: 'fix the listed keys; docs/config.md lists every key with an example' });
  }
  return { config: result.data, locate };
}

/** Formats `['engines', 0, 'url']` as `engines[0].url`. */
export function formatKeyPath(keyPath: ReadonlyArray<PropertyKey>): string {
  let text = '';
  for (const key of keyPath) {
    if (typeof key === 'number') text += `[${key}]`;
    else text += text === '' ? String(key) : `.${String(key)}`;
  }
  return text === '' ? '(top level)' : text;
}

function describeIssues(error: z.ZodError, locate: Locator): string {
  const lines = error.issues.slice(0, 5).map((issue) => {
    // zod reports unknown keys on the object; point at the first unknown key itself.
    const keys = issue.code === 'unrecognized_keys' ? issue.keys : [];
    const keyPath = keys.length > 0 ? [...issue.path, keys[0]!] : issue.path;
    const message = issue.code === 'unrecognized_keys' ? `unknown key${keys.length > 1 ? 's' : ''} ${keys.join(', ')}` : issue.message;
    return `${locate(keyPath)}: ${message}`;
  });
  if (error.issues.length > 5) lines.push(`… and ${error.issues.length - 5} more problems`);
  return `invalid config: ${lines.join('; ')}`;
}

/**
 * Finds where `keyPath` is written: the key of the last existing map entry on the path, or the
 * deepest existing node when the rest is missing.
 */
function offsetOf(document: Document, keyPath: ReadonlyArray<PropertyKey>): number | undefined {
  let node: unknown = document.contents;
  let offset = isNode(node) ? node.range?.[0] : undefined;

  for (const key of keyPath) {
    if (isMap(node)) {
      const pair = node.items.find((item) => isPair(item) && isScalar(item.key) && item.key.value === key);
      if (pair === undefined) break;
      offset = isNode(pair.key) ? (pair.key.range?.[0] ?? offset) : offset;
      node = pair.value;
      continue;
    }
    if (!isNode(node) || typeof key !== 'number' || !('items' in node)) break;
    const item: unknown = (node.items as unknown[])[key];
    if (!isNode(item)) break;
    offset = item.range?.[0] ?? offset;
    node = item;
  }
  return offset;
}
