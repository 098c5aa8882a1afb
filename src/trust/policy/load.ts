import path from 'node:path';
import { isMap, isNode, isPair, isScalar, LineCounter, parseDocument, visit, type Document } from 'yaml';
import type { z } from 'zod';
import { InputError, type Warning } from '../../common/errors.js';
import { readRegularFile } from '../read.js';
import { policySchema, type Policy } from './schema.js';

/** Largest policy file read, in bytes: real ones are a few kilobytes. */
export const MAX_POLICY_BYTES = 1024 * 1024;

/** Most alias expansions in a policy, as the yaml library counts them: enough for shared notes and digest lists. */
const MAX_ALIAS_COUNT = 100;

/** The name of the policy file in the data directory. */
export const POLICY_FILE_NAME = 'policy.yaml';

/** One problem in a policy file, with its position (1-based) and key path. */
export interface PolicyIssue {
  line: number;
  column: number;
  /** Key path in the document: `trustedBases[1].repository`; empty for the document itself. */
  path: string;
  message: string;
}

/** A policy file that cannot be read as a policy. Each issue names its line, column and key. */
export class PolicyError extends InputError {
  readonly file: string;
  readonly issues: PolicyIssue[];

  constructor(file: string, issues: PolicyIssue[]) {
    const lines = issues.slice(0, 20).map((issue) => `  ${file}:${issue.line}:${issue.column}: ${issue.path === '' ? '' : `${issue.path}: `}${issue.message}`);
    const more = issues.length > 20 ? [`  … and ${issues.length - 20} more`] : [];
    super(`invalid policy file ${file}:\n${[...lines, ...more].join('\n')}`, { hint: 'fix the lines named above; docs/policy.md describes every key' });
    this.file = file;
    this.issues = issues;
  }
}

/** A policy with the file it came from. */
export interface LoadedPolicy {
  file: string;
  /** False when the file does not exist and the empty policy stands in for it. */
  exists: boolean;
  policy: Policy;
  /** `auditedSources`, resolved against the policy file's directory. */
  auditedSources: string[];
  warnings: Warning[];
}

/**
 * Reads and validates a policy file. A missing file is the empty policy (nothing trusted),
 * with a warning, so that a first `bosun trust` explains itself instead of failing, unless
 * `required` is set because the user named the file.
 *
 * @throws PolicyError for YAML or schema errors, InputError when the file cannot be read or is
 *   `required` and missing.
 */
export async function loadPolicy(file: string, options: { required?: boolean } = {}): Promise<LoadedPolicy> {
  const absolute = path.resolve(file);
  const text = await readPolicyText(absolute);
  if (text === undefined && options.required === true) {
    throw new InputError(`policy file ${absolute} does not exist`, { hint: 'check the path given with --policy, or create the file with bosun trust base add' });
  }
  if (text === undefined) {
    const warning = { code: 'policy.missing', message: `no policy file at ${absolute}: no base is trusted and no source is audited`, path: absolute };
    return { file: absolute, exists: false, policy: policySchema.parse({}), auditedSources: [], warnings: [warning] };
  }
  const policy = parsePolicy(text, absolute);
  const directory = path.dirname(absolute);
  return { file: absolute, exists: true, policy, auditedSources: policy.auditedSources.map((source) => path.resolve(directory, source)), warnings: [] };
}

/** Reads the file; undefined when it does not exist. */
export async function readPolicyText(file: string): Promise<string | undefined> {
  const content = await readRegularFile(file, { maxBytes: MAX_POLICY_BYTES, what: 'policy file', hint: 'pass the path of a YAML file of at most 1 MiB with --policy' });
  return content?.toString('utf8');
}

/**
 * Parses policy text: YAML with merge keys (`<<`), then the schema.
 *
 * @throws PolicyError naming line, column and key path of each problem.
 */
export function parsePolicy(text: string, file: string): Policy {
  const { document, lineCounter } = parsePolicyDocument(text, file);
  return validatePolicyDocument(document, lineCounter, file);
}

/** Parses the YAML only, keeping comments and layout for editing. */
export function parsePolicyDocument(text: string, file: string): { document: Document; lineCounter: LineCounter } {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { merge: true, lineCounter, prettyErrors: false, uniqueKeys: true });
  if (document.errors.length > 0) {
    const issues = document.errors.map((error) => {
      const position = lineCounter.linePos(error.pos[0]);
      const message = error.code === 'MULTIPLE_DOCS' ? 'a policy file contains one YAML document; remove this "---" and merge what follows into the first document' : firstLine(error.message);
      return { line: position.line, column: position.col, path: '', message };
    });
    throw new PolicyError(file, issues);
  }
  return { document, lineCounter };
}

/** Validates a parsed document against the schema. */
export function validatePolicyDocument(document: Document, lineCounter: LineCounter, file: string): Policy {
  if (document.contents !== null && !isMap(document.contents)) {
    const position = lineCounter.linePos(document.contents.range?.[0] ?? 0);
    throw new PolicyError(file, [{ line: position.line, column: position.col, path: '', message: 'the policy must be a YAML mapping with keys such as trustedBases, blocked and auditedSources' }]);
  }
  const value: unknown = documentValue(document, lineCounter, file) ?? {};
  const result = policySchema.safeParse(value);
  if (result.success) return result.data;
  throw new PolicyError(file, result.error.issues.flatMap((issue) => issueLocations(document, lineCounter, issue)));
}

/**
 * Converts the document to plain values. The yaml library throws when aliases expand too often
 * (a "billion laughs" document) or name no anchor; both become a PolicyError at the first alias.
 */
function documentValue(document: Document, lineCounter: LineCounter, file: string): unknown {
  try {
    return document.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    if (!(error instanceof Error)) throw error;
    let offset = 0;
    visit(document, {
      Alias(_key, node) {
        offset = node.range?.[0] ?? 0;
        return visit.BREAK;
      },
    });
    const position = lineCounter.linePos(offset);
    const reason = /excessive alias count/i.test(error.message) ? `aliases expand to more than ${MAX_ALIAS_COUNT} nodes` : firstLine(error.message);
    throw new PolicyError(file, [{ line: position.line, column: position.col, path: '', message: `${reason}; write the entries out or use fewer aliases` }]);
  }
}

function issueLocations(document: Document, lineCounter: LineCounter, issue: z.core.$ZodIssue): PolicyIssue[] {
  const keys = issue.path.filter((key): key is string | number => typeof key !== 'symbol');
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => {
      const offset = keyOffset(document, keys, key) ?? nearestOffset(document, keys);
      const position = lineCounter.linePos(offset);
      return { line: position.line, column: position.col, path: formatPath([...keys, key]), message: 'unknown key' };
    });
  }
  const position = lineCounter.linePos(nearestOffset(document, keys));
  return [{ line: position.line, column: position.col, path: formatPath(keys), message: issue.message }];
}

/** The start of the node at `keys`, or of its nearest ancestor present in the document. */
function nearestOffset(document: Document, keys: Array<string | number>): number {
  for (let length = keys.length; length >= 0; length--) {
    const node: unknown = document.getIn(keys.slice(0, length), true);
    if (isNode(node) && node.range) return node.range[0];
  }
  return 0;
}

/** The start of the key `key` in the map at `keys`. */
function keyOffset(document: Document, keys: Array<string | number>, key: string): number | undefined {
  const map: unknown = keys.length === 0 ? document.contents : document.getIn(keys, true);
  if (!isMap(map)) return undefined;
  for (const pair of map.items) {
    if (isPair(pair) && isScalar(pair.key) && pair.key.value === key && pair.key.range) return pair.key.range[0];
  }
  return undefined;
}

/** `trustedBases[1].repository` from `['trustedBases', 1, 'repository']`. */
export function formatPath(keys: Array<string | number>): string {
  return keys.map((key, index) => (typeof key === 'number' ? `[${key}]` : index === 0 ? key : `.${key}`)).join('');
}

function firstLine(message: string): string {
  return message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
}
