import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderTable, tableOptionsFor } from '../../../src/report/table.js';
import { displayWidth } from '../../../src/report/text.js';
import { report } from './report-fixture.js';

const ESC = '\u001b';

function rows(text: string): string[] {
  return text.split('\n').filter((line) => line.length > 0);
}

test('table header and sort order', () => {
  const lines = rows(renderTable(report(), { columns: 200 }));
  assert.match(lines[0] ?? '', /^SEVERITY +PACKAGE +INSTALLED +FIXED +ADVISORY +SUMMARY$/);
  const order = lines.slice(1, 5).map((line) => line.split(/\s+/)[0]);
  assert.deepEqual(order, ['CRITICAL', 'HIGH', 'LOW', 'UNKNOWN']);
});

test('table cells in wide terminal', () => {
  const lines = rows(renderTable(report(), { columns: 200 }));
  const bash = lines.find((line) => line.includes('CVE-2022-3715')) ?? '';
  assert.match(bash, /^HIGH +bash +5\.2\.15-2\+b7 +5\.2\.15-2\+b8 +CVE-2022-3715 +A heap buffer overflow .*crafted string$/);
  assert.match(lines.find((line) => line.includes('lodash')) ?? '', /won't fix/);
  assert.match(lines.find((line) => line.includes('tzdata')) ?? '', /tzdata +2024a-0\+deb12u1 +- +CVE-2025-0001$/);
  assert.ok(!lines.some((line) => line.includes('…')), 'a cell was cut in a 200-column terminal');
});

test('table fits narrow terminals', () => {
  for (const columns of [100, 80, 70, 60]) {
    const lines = rows(renderTable(report(), { columns }));
    for (const line of lines) {
      assert.ok(displayWidth(line) <= columns, `${columns} columns: "${line}" is ${displayWidth(line)} wide`);
    }
  }
});

test('table cuts long summary', () => {
  const lines = rows(renderTable(report(), { columns: 100 }));
  const bash = lines.find((line) => line.includes('CVE-2022-3715')) ?? '';
  assert.match(bash, / A heap buffer\S* .*…$/);
  assert.equal(displayWidth(bash), 100);
});

test('table drops summary before cutting ids', () => {
  const lines = rows(renderTable(report(), { columns: 80 }));
  assert.match(lines[0] ?? '', /ADVISORY$/);
  assert.match(lines.find((line) => line.includes('bash')) ?? '', /^HIGH +bash +5\.2\.15-2\+b7 +5\.2\.15-2\+b8 +CVE-2022-3715$/);
  assert.ok(lines.some((line) => line.endsWith('GHSA-35jh-r3h4-6jhm')));
});

test('table cuts columns when too narrow', () => {
  const lines = rows(renderTable(report(), { columns: 50 }));
  assert.match(lines[0] ?? '', /^SEVERITY +PACKAGE +INSTAL\S*…/);
  assert.ok(lines.some((line) => /^HIGH +bash +5\.2\.15-\S*… /.test(line)), 'installed version not cut at 50 columns');
});

test('table strips control characters', () => {
  const text = renderTable(report(), { columns: 200 });
  assert.ok(!text.includes(ESC), 'escape sequence from an advisory summary reached the output');
  assert.ok(!text.includes('\u0007'));
  assert.match(text, /Command injection in lodash via template/);
});

test('table colours only when asked', () => {
  const plain = renderTable(report(), { columns: 120, color: false });
  const coloured = renderTable(report(), { columns: 120, color: true });
  assert.ok(!plain.includes(ESC));
  assert.ok(coloured.includes(`${ESC}[1;31mCRITICAL`));
  assert.equal(coloured.replace(/\u001b\[[0-9;]*m/g, ''), plain);
});

test('table options from stream', () => {
  const cases: Array<{ stream: { isTTY?: boolean; columns?: number }; env: Record<string, string | undefined>; expected: { columns: number; color: boolean } }> = [
    { stream: { isTTY: true, columns: 90 }, env: {}, expected: { columns: 90, color: true } },
    { stream: { isTTY: false, columns: 90 }, env: {}, expected: { columns: 90, color: false } },
    { stream: {}, env: {}, expected: { columns: 120, color: false } },
    { stream: { isTTY: true, columns: 0 }, env: {}, expected: { columns: 120, color: true } },
    { stream: { isTTY: true }, env: { NO_COLOR: '1' }, expected: { columns: 120, color: false } },
    { stream: { isTTY: true }, env: { NO_COLOR: '' }, expected: { columns: 120, color: true } },
  ];
  for (const { stream, env, expected } of cases) {
    assert.deepEqual(tableOptionsFor(stream, env), expected, JSON.stringify({ stream, env }));
  }
});

test('table footer counts', () => {
  const lines = rows(renderTable(report(), { columns: 120 }));
  assert.equal(lines.at(-3), `4 vulnerabilities in ${report().summary.packages} packages (critical 1, high 1, medium 0, low 1, unknown 1)`);
  assert.equal(lines.at(-2), 'warning: engine image has no repo digest');
  assert.equal(lines.at(-1), 'warning: status file ends mid-paragraph');
});

test('table lists at most five warnings', () => {
  const warnings = Array.from({ length: 7 }, (_, i) => ({ code: 'x', message: `problem ${i}` }));
  const lines = rows(renderTable(report({ warnings }), { columns: 120 }));
  assert.equal(lines.at(-2), 'warning: problem 4');
  assert.equal(lines.at(-1), '2 more warnings: see --format json for details');
});

test('table with no findings', () => {
  const text = renderTable(report({ vulnerabilities: [], warnings: [], summary: { packages: 1, vulnerabilities: { critical: 0, high: 0, medium: 0, low: 0, unknown: 0 } } }));
  assert.equal(text, '0 vulnerabilities in 1 package (critical 0, high 0, medium 0, low 0, unknown 0)\n');
});

test('table without summaries', () => {
  const bare = report();
  for (const finding of bare.vulnerabilities) delete finding.summary;

  const wide = rows(renderTable(bare, { columns: 120 }));
  assert.match(wide[0] ?? '', /^SEVERITY +PACKAGE +INSTALLED +FIXED +ADVISORY +SUMMARY$/);

  // Too narrow for the summary header next to the other columns, so it goes.
  const narrow = rows(renderTable(bare, { columns: 60 }));
  assert.match(narrow[0] ?? '', /^SEVERITY +PACKAGE +INSTALLED +FIXED +ADVISORY$/);
  for (const line of narrow) assert.ok(displayWidth(line) <= 60, `"${line}" is wider than 60`);
});

test('table footer wraps in narrow terminal', () => {
  const lines = rows(renderTable(report(), { columns: 60 }));
  assert.equal(lines.at(-4), `4 vulnerabilities in ${report().summary.packages} packages`);
  assert.equal(lines.at(-3), 'critical 1, high 1, medium 0, low 1, unknown 1');
});
