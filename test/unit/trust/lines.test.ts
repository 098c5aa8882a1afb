import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lineAtOffset, splitDockerfile } from '../../../src/trust/dockerfile/lines.js';

test('continuation joins like Docker', () => {
  // Docker Engine 20.10's builder printed "Step 2/3 : RUN echo one &&     echo two     three"
  // for this file and warned about the empty continuation line.
  const text = [
    'FROM lab/debian:bookworm',
    '# a comment ending in a backslash does not continue \\',
    'RUN echo one && \\',
    '# comment inside \\',
    '    echo two \\',
    '',
    '  # indented',
    '    three',
    'LABEL x=y',
    '',
  ].join('\n');
  const { lines } = splitDockerfile(text);
  assert.deepEqual(lines.map((line) => [line.line, line.endLine, line.text]), [
    [1, 1, 'FROM lab/debian:bookworm'],
    [3, 8, 'RUN echo one &&     echo two     three'],
    [9, 9, 'LABEL x=y'],
  ]);
  assert.equal(lines[1]!.emptyContinuationLine, true);
  assert.equal(lineAtOffset(lines[1]!, lines[1]!.text.indexOf('two')), 5);
  assert.equal(lineAtOffset(lines[1]!, lines[1]!.text.indexOf('three')), 8);
});

test('double escape is no continuation', () => {
  const { lines } = splitDockerfile('FROM scratch\nRUN echo a\\\\\nRUN echo b\n');
  assert.deepEqual(lines.map((line) => line.line), [1, 2, 3]);
});

test('heredoc bodies and lines', () => {
  const { lines } = splitDockerfile('FROM scratch\nCOPY <<a <<-b /x/\none\na\n\ttwo\n\tb\nRUN true');
  assert.deepEqual(lines[1]!.heredocs, [
    { name: 'a', chomp: false, fileDescriptor: 0, body: 'one\n', bodyLine: 3, endLine: 4 },
    { name: 'b', chomp: true, fileDescriptor: 0, body: '\ttwo\n', bodyLine: 5, endLine: 6 },
  ]);
  assert.deepEqual(lines.map((line) => [line.line, line.endLine]), [[1, 1], [2, 6], [7, 7]]);
});

test('heredoc only on RUN, COPY, ADD', () => {
  // ENV and LABEL values with "<<" are plain text; ONBUILD RUN reads a body.
  const { lines } = splitDockerfile('FROM scratch\nLABEL a=<<EOF\nONBUILD RUN <<EOF\nbody\nEOF\n');
  assert.deepEqual(lines.map((line) => [line.line, line.heredocs.length]), [[1, 0], [2, 0], [3, 1]]);
});
