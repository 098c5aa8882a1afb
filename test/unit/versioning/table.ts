import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { VersionScheme } from '../../../src/versioning/index.js';

/** One row of a version table: `a` compared with `b` is expected to give `op`. */
export interface TableRow {
  a: string;
  op: '<' | '=' | '>';
  b: string;
  /** Line number in the fixture file, for failure messages. */
  line: number;
}

export interface TableGroup {
  name: string;
  rows: TableRow[];
}

const fixtureDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/versioning');

/** Reads one field: a JSON string in double quotes, or a run of non-space characters. */
const FIELD = /"(?:[^"\\]|\\.)*"|\S+/g;

function parseField(text: string): string {
  return text.startsWith('"') ? (JSON.parse(text) as string) : text;
}

/**
 * Reads `test/fixtures/versioning/NAME.txt`: `## group` headers, `# comments` and rows of the
 * form `A OP B`.
 */
export function loadTable(name: string): TableGroup[] {
  const file = path.join(fixtureDir, `${name}.txt`);
  const groups: TableGroup[] = [];
  const lines = readFileSync(file, 'utf8').split('\n');

  lines.forEach((text, index) => {
    const line = index + 1;
    if (text.startsWith('## ')) {
      groups.push({ name: text.slice(3).trim(), rows: [] });
      return;
    }
    if (text.trim() === '' || text.startsWith('#')) return;

    const fields = text.match(FIELD) ?? [];
    const [a, op, b] = fields;
    const group = groups[groups.length - 1];
    if (fields.length !== 3 || a === undefined || b === undefined || (op !== '<' && op !== '=' && op !== '>') || !group) {
      throw new Error(`${file}:${line}: expected "A OP B" below a "## group" header, got ${JSON.stringify(text)}`);
    }
    group.rows.push({ a: parseField(a), op, b: parseField(b), line });
  });
  return groups;
}

/** Returns every row of a table, across its groups. */
export function tableRows(name: string): TableRow[] {
  return loadTable(name).flatMap((group) => group.rows);
}

function signOf(op: TableRow['op']): number {
  if (op === '<') return -1;
  return op === '>' ? 1 : 0;
}

function describe(row: TableRow, forward: number, backward: number): string {
  return `line ${row.line}: ${JSON.stringify(row.a)} ${row.op} ${JSON.stringify(row.b)} expected, compare gave ${forward} and reversed ${backward}`;
}

/**
 * Registers one test per group of the table. Each row checks the sign of `compare(a, b)` and of
 * `compare(b, a)`, so every `<` row also asserts the `>` direction and `=` rows assert both ways.
 */
export function testTable(scheme: VersionScheme, name: string): void {
  for (const group of loadTable(name)) {
    test(`${scheme.name} ${group.name}`, () => {
      const failures: string[] = [];
      for (const row of group.rows) {
        const forward = Math.sign(scheme.compare(row.a, row.b));
        const backward = Math.sign(scheme.compare(row.b, row.a));
        const expected = signOf(row.op);
        if (forward !== expected || backward !== -expected) failures.push(describe(row, forward, backward));
      }
      assert.deepEqual(failures, [], `${failures.length} of ${group.rows.length} rows failed`);
    });
  }
}
