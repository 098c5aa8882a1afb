import { redactDockerfileLine } from '../dockerfile/redact.js';
import type { ContextPin } from './context.js';

/** The changes between two pins of the same build. */
export interface ApprovalDiff {
  added: string[];
  removed: string[];
  /** Paths whose content, link text, kind or executable bit changed. */
  changed: string[];
  /** Unified diff of the Dockerfile text with secret-looking values redacted; undefined when the text is the same. */
  dockerfileDiff: string | undefined;
}

/** Lines of context around each change in `unifiedDiff`, as `diff -u` uses by default. */
export const CONTEXT_LINES = 3;

/**
 * Above this many cells (old lines × new lines, after common leading and trailing lines are
 * set aside) the diff reports the middle as replaced instead of building the LCS table.
 */
export const MAX_LCS_CELLS = 4_000_000;

/** Compares an approved pin with the current one. */
export function diffApprovals(approved: Pick<ContextPin, 'files' | 'dockerfile'>, current: Pick<ContextPin, 'files' | 'dockerfile'>): ApprovalDiff {
  const before = new Map(approved.files.map((file) => [file.path, file]));
  const after = new Map(current.files.map((file) => [file.path, file]));
  const added = [...after.keys()].filter((key) => !before.has(key)).sort();
  const removed = [...before.keys()].filter((key) => !after.has(key)).sort();
  const changed = [...after.keys()]
    .filter((key) => {
      const old = before.get(key);
      const now = after.get(key)!;
      return old !== undefined && (old.sha256 !== now.sha256 || old.kind !== now.kind || old.executable !== now.executable);
    })
    .sort();

  const oldText = approved.dockerfile.text;
  const newText = current.dockerfile.text;
  const dockerfileDiff = oldText === newText ? undefined : redactDiff(unifiedDiff(oldText, newText, approved.dockerfile.path, current.dockerfile.path));
  return { added, removed, changed, dockerfileDiff };
}

/**
 * Redacts secret-looking values in the body lines of a unified diff. The diff is computed on the
 * real text first, so an edit to a secret alone still shows as a changed line.
 */
function redactDiff(diff: string): string {
  return diff
    .split('\n')
    .map((line, index) => (index < 2 || line.startsWith('@@') || line === '' ? line : `${line[0]}${redactDockerfileLine(line.slice(1))}`))
    .join('\n');
}

type Edit = { op: ' ' | '-' | '+'; text: string };

/**
 * Returns a unified diff (`--- a/…`, `+++ b/…`, `@@` hunks) of two texts, by longest common
 * subsequence. Unlike `diff -u`, it does not mark a missing newline at the end of a file.
 */
export function unifiedDiff(oldText: string, newText: string, oldName = 'Dockerfile', newName = oldName): string {
  const edits = diffLines(splitLines(oldText), splitLines(newText));
  const hunks = buildHunks(edits);
  if (hunks.length === 0) return '';
  return [`--- a/${oldName}`, `+++ b/${newName}`, ...hunks].join('\n') + '\n';
}

function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

function diffLines(a: string[], b: string[]): Edit[] {
  let prefix = 0;
  while (prefix < a.length && prefix < b.length && a[prefix] === b[prefix]) prefix++;
  let suffix = 0;
  while (suffix < a.length - prefix && suffix < b.length - prefix && a[a.length - 1 - suffix] === b[b.length - 1 - suffix]) suffix++;

  const middleA = a.slice(prefix, a.length - suffix);
  const middleB = b.slice(prefix, b.length - suffix);
  return [
    ...a.slice(0, prefix).map((text): Edit => ({ op: ' ', text })),
    ...lcsEdits(middleA, middleB),
    ...a.slice(a.length - suffix).map((text): Edit => ({ op: ' ', text })),
  ];
}

function lcsEdits(a: string[], b: string[]): Edit[] {
  if ((a.length + 1) * (b.length + 1) > MAX_LCS_CELLS) {
    return [...a.map((text): Edit => ({ op: '-', text })), ...b.map((text): Edit => ({ op: '+', text }))];
  }
  // lengths[i][j]: LCS length of a[i..] and b[j..], stored row-major.
  const width = b.length + 1;
  const lengths = new Uint32Array((a.length + 1) * width);
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      lengths[i * width + j] = a[i] === b[j] ? lengths[(i + 1) * width + j + 1]! + 1 : Math.max(lengths[(i + 1) * width + j]!, lengths[i * width + j + 1]!);
    }
  }
  const edits: Edit[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      edits.push({ op: ' ', text: a[i++]! });
      j++;
    } else if (j < b.length && (i === a.length || lengths[i * width + j + 1]! >= lengths[(i + 1) * width + j]!)) {
      edits.push({ op: '+', text: b[j++]! });
    } else {
      edits.push({ op: '-', text: a[i++]! });
    }
  }
  return reorderRemovalsFirst(edits);
}

/** Puts each run of removals before the additions next to it, as `diff -u` prints them. */
function reorderRemovalsFirst(edits: Edit[]): Edit[] {
  const out: Edit[] = [];
  for (let start = 0; start < edits.length; ) {
    if (edits[start]!.op === ' ') {
      out.push(edits[start++]!);
      continue;
    }
    let end = start;
    while (end < edits.length && edits[end]!.op !== ' ') end++;
    const run = edits.slice(start, end);
    out.push(...run.filter((e) => e.op === '-'), ...run.filter((e) => e.op === '+'));
    start = end;
  }
  return out;
}

function buildHunks(edits: Edit[]): string[] {
  const changes = edits.map((edit, index) => (edit.op === ' ' ? -1 : index)).filter((index) => index >= 0);
  if (changes.length === 0) return [];

  // Group changes whose context windows touch, then print each group as one hunk.
  const groups: Array<[number, number]> = [];
  for (const index of changes) {
    const last = groups[groups.length - 1];
    if (last && index - last[1] <= CONTEXT_LINES * 2 + 1) last[1] = index;
    else groups.push([index, index]);
  }
  return groups.flatMap(([first, last]) => hunk(edits, Math.max(0, first - CONTEXT_LINES), Math.min(edits.length - 1, last + CONTEXT_LINES)));
}

function hunk(edits: Edit[], from: number, to: number): string[] {
  let oldLine = 1;
  let newLine = 1;
  for (let k = 0; k < from; k++) {
    if (edits[k]!.op !== '+') oldLine++;
    if (edits[k]!.op !== '-') newLine++;
  }
  const body = edits.slice(from, to + 1);
  const oldCount = body.filter((e) => e.op !== '+').length;
  const newCount = body.filter((e) => e.op !== '-').length;
  // `diff -u` numbers an empty side by the line before it.
  const header = `@@ -${range(oldCount === 0 ? oldLine - 1 : oldLine, oldCount)} +${range(newCount === 0 ? newLine - 1 : newLine, newCount)} @@`;
  return [header, ...body.map((e) => `${e.op}${e.text}`)];
}

function range(start: number, count: number): string {
  return count === 1 ? `${start}` : `${start},${count}`;
}
