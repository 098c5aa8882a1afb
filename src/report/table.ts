import { compareFindings } from './build.js';
import { displayWidth, fitToWidth, sanitiseText, truncateToWidth } from './text.js';
import type { Finding, ScanReport, Severity } from './types.js';
import { SEVERITIES } from './types.js';

/** Table rendering settings. */
export interface TableOptions {
  /** Terminal width in columns. Defaults to 120. */
  columns?: number;
  /** Whether to colour severities with ANSI escape codes. Defaults to false. */
  color?: boolean;
}

/**
 * Derives table settings from the output stream: its width, and colour only when it is a TTY and
 * `NO_COLOR` is unset or empty (https://no-color.org).
 */
export function tableOptionsFor(
  stream: { isTTY?: boolean; columns?: number },
  env: Record<string, string | undefined> = process.env,
): Required<TableOptions> {
  const noColor = env['NO_COLOR'] !== undefined && env['NO_COLOR'] !== '';
  return {
    columns: stream.columns && stream.columns > 0 ? stream.columns : DEFAULT_COLUMNS,
    color: stream.isTTY === true && !noColor,
  };
}

const DEFAULT_COLUMNS = 120;
const GAP = '  ';
/** Narrowest summary column worth showing; below it the column is left out. */
const MIN_SUMMARY = 12;

const COLORS: Record<Severity, string> = {
  critical: '\u001b[1;31m',
  high: '\u001b[31m',
  medium: '\u001b[33m',
  low: '\u001b[36m',
  unknown: '\u001b[2m',
};
const RESET = '\u001b[0m';

interface Column {
  header: string;
  /** Narrowest width the column shrinks to when the terminal is narrow. */
  min: number;
  cell(finding: Finding): string;
}

const COLUMNS: Column[] = [
  { header: 'SEVERITY', min: 8, cell: (f) => f.severity.toUpperCase() },
  { header: 'PACKAGE', min: 10, cell: (f) => f.package.name },
  { header: 'INSTALLED', min: 8, cell: (f) => f.package.version },
  { header: 'FIXED', min: 8, cell: fixedCell },
  { header: 'ADVISORY', min: 14, cell: (f) => f.id },
];
const SUMMARY: Column = { header: 'SUMMARY', min: MIN_SUMMARY, cell: (f) => f.summary ?? '' };

/**
 * Renders the findings as a terminal table (severity, package, installed, fixed, advisory,
 * summary) sorted by severity and package, followed by a footer with the counts. The summary
 * takes the width left over and is left out when too little is left. Cut cells end with `…`.
 *
 * NOTE: below about 60 columns every column is at its minimum width and lines can still be
 * wider than the terminal.
 */
export function renderTable(report: ScanReport, options: TableOptions = {}): string {
  const columns = options.columns && options.columns > 0 ? options.columns : DEFAULT_COLUMNS;
  const color = options.color ?? false;
  const findings = [...report.vulnerabilities].sort(compareFindings);
  const lines: string[] = [];

  if (findings.length > 0) {
    const rows = findings.map((f) => [...COLUMNS, SUMMARY].map((column) => sanitiseText(column.cell(f))));
    const widths = layoutWidths(rows, columns);
    lines.push(formatRow([...COLUMNS, SUMMARY].map((c) => c.header), widths, color ? '\u001b[1m' : undefined));
    findings.forEach((finding, i) => {
      lines.push(formatRow(rows[i] ?? [], widths, undefined, color ? COLORS[finding.severity] : undefined));
    });
    lines.push('');
  }

  lines.push(...footer(report, columns));
  return `${lines.join('\n')}\n`;
}

function fixedCell(finding: Finding): string {
  if (finding.fixedVersion) return finding.fixedVersion;
  return finding.state === 'wont-fix' ? "won't fix" : '-';
}

/**
 * Computes the width of each column, the summary last (0 when it is left out). Every column
 * starts at its natural width, the widest of its header and cells. The summary gets what is
 * left, up to its natural width. When less than `MIN_SUMMARY` cells are left, the summary is
 * left out, because a cut version or advisory id misleads more than a missing summary. Only
 * then do the other columns shrink, widest first, down to their minimum widths.
 */
function layoutWidths(rows: string[][], columns: number): number[] {
  const natural = [...COLUMNS, SUMMARY].map((column, i) =>
    Math.max(displayWidth(column.header), ...rows.map((row) => displayWidth(row[i] ?? ''))),
  );
  const widths = natural.slice(0, COLUMNS.length);
  const summaryNatural = natural[COLUMNS.length] ?? 0;

  const left = columns - GAP.length * COLUMNS.length - sum(widths);
  if (left >= Math.min(MIN_SUMMARY, summaryNatural)) return [...widths, Math.min(left, summaryNatural)];

  let excess = sum(widths) + GAP.length * (COLUMNS.length - 1) - columns;
  while (excess > 0) {
    const widest = widestShrinkable(widths);
    if (widest < 0) break;
    widths[widest] = (widths[widest] ?? 0) - 1;
    excess -= 1;
  }
  return [...widths, 0];
}

/** Returns the index of the widest column still above its minimum width, or -1. */
function widestShrinkable(widths: number[]): number {
  let widest = -1;
  widths.forEach((width, i) => {
    const min = COLUMNS[i]?.min ?? width;
    if (width > min && (widest < 0 || width > (widths[widest] ?? 0))) widest = i;
  });
  return widest;
}

/** Lays out one row: cells cut or padded to width, the last visible cell without padding. */
function formatRow(cells: string[], widths: number[], rowStyle?: string, severityStyle?: string): string {
  const visible = widths.filter((w) => w > 0).length;
  const parts = cells.slice(0, visible).map((cell, i) => {
    const width = widths[i] ?? 0;
    const text = i === visible - 1 ? truncateToWidth(cell, width) : fitToWidth(cell, width);
    if (i === 0 && severityStyle) return `${severityStyle}${text}${RESET}`;
    return text;
  });
  const line = parts.join(GAP).trimEnd();
  return rowStyle ? `${rowStyle}${line}${RESET}` : line;
}

/** Warnings listed under the table; the rest are counted. */
const MAX_WARNINGS_SHOWN = 5;

/** Builds the footer: the totals, with the counts per severity on the same line when it fits. */
function footer(report: ScanReport, columns: number): string[] {
  const counts = report.summary.vulnerabilities;
  const total = sum(SEVERITIES.map((s) => counts[s]));
  const bySeverity = SEVERITIES.map((s) => `${s} ${counts[s]}`).join(', ');
  const totals = `${plural(total, 'vulnerability', 'vulnerabilities')} in ${plural(report.summary.packages, 'package', 'packages')}`;

  const oneLine = `${totals} (${bySeverity})`;
  const lines = displayWidth(oneLine) <= columns ? [oneLine] : [totals, bySeverity];
  // Warnings that change how to read the result (no advisories stored) must show in the table.
  const shown = report.warnings.slice(0, MAX_WARNINGS_SHOWN);
  for (const warning of shown) lines.push(truncateToWidth(`warning: ${sanitiseText(warning.message)}`, columns));
  const hidden = report.warnings.length - shown.length;
  if (hidden > 0) lines.push(`${plural(hidden, 'more warning', 'more warnings')}: see --format json for details`);
  return lines;
}

function plural(count: number, singular: string, pluralForm: string): string {
  return `${count} ${count === 1 ? singular : pluralForm}`;
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
