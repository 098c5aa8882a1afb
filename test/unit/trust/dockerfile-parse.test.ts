import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { InputError } from '../../../src/common/errors.js';
import { analyseDockerfile, MAX_STAGES, type AnalyseOptions, type DockerfileAnalysis } from '../../../src/trust/dockerfile/index.js';

const FIXTURES = new URL('../../fixtures/dockerfiles/', import.meta.url);
const DEBIAN = 'docker.io/lab/debian:bookworm';
const DEBIAN_BASE = { kind: 'image', reference: DEBIAN, tag: 'bookworm' };

function analyseFixture(name: string, options: AnalyseOptions = {}): DockerfileAnalysis {
  return analyseDockerfile(readFileSync(new URL(name, FIXTURES), 'utf8'), options);
}

/** `id@line` of each finding, for compact assertions. */
function findingKeys(analysis: DockerfileAnalysis): string[] {
  return analysis.findings.map((finding) => `${finding.id.replace('BOSUN-', '')}@${finding.line}`);
}

/** Start line of each stage, plus the RUN lines, derived from `echo after` sentinels in fixtures. */
interface ParseCase {
  fixture: string;
  stageLines: number[];
  findings: string[];
}

// Each fixture ends with `RUN echo after` or similar: a wrong heredoc or continuation split
// either throws (unknown instruction) or moves the findings off these exact lines.
const PARSE_CASES: ParseCase[] = [
  { fixture: 'escape-backtick.Dockerfile', stageLines: [2], findings: ['DF003@2', 'DF005@2'] },
  { fixture: 'heredoc-basic.Dockerfile', stageLines: [1], findings: ['DF003@1', 'DF005@1', 'DF001@4'] },
  { fixture: 'heredoc-chomp.Dockerfile', stageLines: [1], findings: ['DF003@1', 'DF005@1', 'DF007@3'] },
  { fixture: 'heredoc-quoted.Dockerfile', stageLines: [1], findings: ['DF003@1', 'DF005@1', 'DF008@6', 'DF009@6'] },
  { fixture: 'heredoc-backslash.Dockerfile', stageLines: [1], findings: ['DF003@1', 'DF005@1'] },
  { fixture: 'heredoc-continuation.Dockerfile', stageLines: [1], findings: ['DF003@1', 'DF005@1', 'DF008@5'] },
  { fixture: 'heredoc-comment.Dockerfile', stageLines: [1], findings: ['DF003@1', 'DF005@1', 'DF001@3'] },
  { fixture: 'heredoc-eof.Dockerfile', stageLines: [1], findings: ['DF003@1', 'DF005@1', 'DF007@4'] },
  { fixture: 'heredoc-multiple.Dockerfile', stageLines: [1], findings: ['DF003@1', 'DF005@1', 'DF008@10', 'DF009@10', 'DF010@10'] },
  { fixture: 'heredoc-body-escape.Dockerfile', stageLines: [1], findings: ['DF003@1', 'DF005@1'] },
  { fixture: 'heredoc-fd.Dockerfile', stageLines: [1], findings: ['DF003@1', 'DF005@1'] },
  { fixture: 'continuation-comments.Dockerfile', stageLines: [1], findings: ['DF003@1', 'DF005@1', 'DF008@5', 'DF009@5'] },
  { fixture: 'platform-case.Dockerfile', stageLines: [1, 3], findings: ['DF003@1', 'DF005@3'] },
  { fixture: 'tag-digest.Dockerfile', stageLines: [1, 2], findings: [] },
];

for (const { fixture, stageLines, findings } of PARSE_CASES) {
  test(`parse ${fixture}`, () => {
    const analysis = analyseFixture(fixture);
    assert.deepEqual(analysis.stages.map((stage) => stage.line), stageLines);
    assert.deepEqual(findingKeys(analysis), findings);
  });
}

test('escape directive sets backtick', () => {
  const analysis = analyseFixture('escape-backtick.Dockerfile');
  assert.equal(analysis.escapeCharacter, '`');
  // With a backtick escape, backslashes are file name characters on Linux.
  assert.deepEqual(analysis.contextFiles, [{ source: 'c:\\app\\config.json', instruction: 'COPY', line: 5, stage: 0 }]);
});

test('heredoc body is not parsed as instructions', () => {
  // The body contains "FROM attacker/image" after a line ending in a backslash.
  const analysis = analyseFixture('heredoc-body-escape.Dockerfile');
  assert.equal(analysis.stages.length, 1);
  assert.deepEqual(analysis.externalImages.map((image) => image.reference), [DEBIAN]);
});

test('heredoc errors', () => {
  const cases: Array<[string, RegExp]> = [
    ['FROM scratch\nRUN <<EOF\necho never closed\n', /unterminated heredoc "EOF" started on line 2/],
    ['FROM scratch\nRUN cat << EOF\nx\nEOF\n', /unknown instruction "x" on line 3/],
    ['FROM scratch\nRUN <<-EOF\necho a\n  EOF\n', /unterminated heredoc/],
  ];
  for (const [text, message] of cases) {
    assert.throws(() => analyseDockerfile(text), (error: unknown) => error instanceof InputError && message.test(error.message), text);
  }
});

test('heredoc terminator needs exact match', () => {
  // Without "-", a tab-indented terminator is body text; the bare EOF ends the heredoc.
  const analysis = analyseDockerfile('FROM scratch\nRUN <<EOF\nchmod 777 /a\n\tEOF\nEOF\nUSER 1000\n');
  assert.deepEqual(findingKeys(analysis), ['DF007@3']);
});

test('JSON form has no heredoc', () => {
  const analysis = analyseDockerfile('FROM scratch\nRUN ["sh", "-c", "cat <<EOF"]\nUSER 1000\n');
  assert.deepEqual(analysis.stages.map((stage) => stage.line), [1]);
  assert.deepEqual(analysis.findings, []);
});

test('comment lines in continuations', () => {
  const analysis = analyseFixture('continuation-comments.Dockerfile');
  const messages = analysis.findings.filter((f) => f.id === 'BOSUN-DF008').map((f) => f.message);
  // "curl" and "git" sit after a blank line and an indented comment inside the continuation.
  assert.deepEqual(messages, ['RUN installs curl, git with apt-get without a pinned version']);
});

test('stage name from ARG rejected', () => {
  assert.throws(() => analyseFixture('stage-name-arg.Dockerfile'), (error: unknown) => {
    return error instanceof InputError && error.message === 'invalid stage name "${NAME}" on line 2';
  });
});

test('global ARGs in FROM', () => {
  const analysis = analyseFixture('global-args.Dockerfile');
  assert.deepEqual(analysis.stages, [
    {
      index: 0,
      name: 'base',
      base: { kind: 'image', reference: '127.0.0.1:5000/lab/debian:bookworm', tag: 'bookworm' },
      reachable: true,
      line: 5,
    },
    // The stage-level ARG TAG on line 6 is not visible to FROM; the global TAG has no default.
    { index: 1, base: { kind: 'image', reference: '${IMAGE}:${TAG}' }, unresolved: ['TAG'], reachable: false, line: 7 },
    // ${SUFFIX:+…} of an undeclared SUFFIX is empty: fully determined, not unresolved.
    { index: 2, base: DEBIAN_BASE, reachable: false, line: 8 },
    { index: 3, base: { kind: 'stage', name: 'base', index: 0 }, reachable: true, line: 9 },
  ]);
  assert.deepEqual(analysis.externalImages.map((image) => `${image.reference}@${image.line}`), ['127.0.0.1:5000/lab/debian:bookworm@5']);
});

test('build-arg overrides global ARG', () => {
  const analysis = analyseFixture('global-args.Dockerfile', { buildArgs: { TAG: '12', SUFFIX: 'slim', UNDECLARED: 'x' } });
  assert.equal(analysis.stages[0]!.base.kind === 'image' && analysis.stages[0]!.base.reference, '127.0.0.1:5000/lab/debian:12');
  assert.deepEqual(analysis.stages[1]!.base, { kind: 'image', reference: 'docker.io/lab/debian:12', tag: '12' });
  // SUFFIX is not declared as a global ARG, so the build-arg does not reach FROM.
  assert.deepEqual(analysis.stages[2]!.base, DEBIAN_BASE);
});

test('build-arg for ARG without default', () => {
  const analysis = analyseFixture('unresolved.Dockerfile', { buildArgs: { BASE: 'lab/debian', VERSION: 'bookworm' } });
  assert.deepEqual(analysis.stages[0]!.base, DEBIAN_BASE);
  assert.equal(analysis.stages[0]!.unresolved, undefined);
});

test('unresolved ARG is reported', () => {
  const analysis = analyseFixture('unresolved.Dockerfile');
  assert.deepEqual(analysis.stages[0]!.unresolved, ['BASE', 'VERSION']);
  assert.deepEqual(analysis.externalImages, [
    { reference: '${BASE}:${VERSION}', instruction: 'FROM', line: 3, stage: 0, unresolved: ['BASE', 'VERSION'] },
  ]);
  // SRC_DIR could come from the base image's ENV: never guessed.
  assert.deepEqual(analysis.contextFiles, [{ source: '${SRC_DIR}/app', instruction: 'COPY', line: 4, stage: 0, unresolved: ['SRC_DIR'] }]);
});

test('target selects reachable stages', () => {
  const analysis = analyseFixture('global-args.Dockerfile', { target: 'base' });
  assert.deepEqual(analysis.stages.map((stage) => stage.reachable), [true, false, false, false]);
  assert.throws(() => analyseFixture('global-args.Dockerfile', { target: 'missing' }), /target stage "missing" is not defined/);
});

test('automatic platform ARGs', () => {
  const text = 'ARG TARGETARCH\nFROM --platform=$BUILDPLATFORM lab/debian:bookworm-${TARGETARCH}\n';
  const known = analyseDockerfile(text, { targetPlatform: 'linux/arm64', buildPlatform: 'linux/amd64' });
  assert.deepEqual(known.stages[0]!.base, { kind: 'image', reference: 'docker.io/lab/debian:bookworm-arm64', tag: 'bookworm-arm64' });
  assert.equal(known.stages[0]!.platform, '$BUILDPLATFORM');
  const unknown = analyseDockerfile(text);
  assert.deepEqual(unknown.stages[0]!.unresolved, ['TARGETARCH']);
});

test('tag and digest pin', () => {
  const analysis = analyseFixture('tag-digest.Dockerfile');
  const digest = 'sha256:ecaaa88ccc68b425f11af8d73c3d59154915efbe789efb9b09cc4eab91bce816';
  assert.deepEqual(analysis.stages[0]!.base, { kind: 'image', reference: `${DEBIAN}@${digest}`, digest, tag: 'bookworm' });
  assert.equal(analysis.stages[1]!.base.kind === 'image' && analysis.stages[1]!.base.tag, undefined);
  assert.throws(() => analyseDockerfile('FROM lab/debian:1.2@sha256:abc\n'), /FROM on line 1: invalid image reference/);
});

test('case-insensitive keywords and aliases', () => {
  const analysis = analyseFixture('platform-case.Dockerfile');
  assert.equal(analysis.stages[0]!.name, 'build');
  assert.deepEqual(analysis.stages[1]!.base, { kind: 'scratch' });
  assert.deepEqual(analysis.stages.map((stage) => stage.reachable), [true, true]);
  // COPY --from=BUILD and --from=0 both name stage 0, so nothing external besides the base.
  assert.deepEqual(analysis.externalImages.map((image) => image.instruction), ['FROM']);
});

test('FROM stage match is case-sensitive', () => {
  // BuildKit compares the FROM operand with lowercased stage names as written, so "Build" is
  // taken for an image, and an uppercase repository name is invalid.
  assert.throws(() => analyseDockerfile('FROM scratch AS build\nFROM Build\n'), /FROM on line 2: invalid image reference .*Build.*must be lowercase/);
});

test('COPY and RUN mount references', () => {
  const analysis = analyseFixture('from-refs.Dockerfile');
  assert.deepEqual(
    analysis.externalImages.map((image) => `${image.instruction} ${image.reference} @${image.line} stage ${image.stage}`),
    [
      `FROM ${DEBIAN} @1 stage 0`,
      'COPY docker.io/library/nginx:1.27 @2 stage 0',
      'RUN docker.io/library/busybox:1.36 @4 stage 1',
      // A mount's from= is never a stage index: BuildKit looks "0" up as an image.
      'RUN docker.io/library/0:latest @4 stage 1',
    ],
  );
  assert.deepEqual(analysis.contextFiles, [
    { source: 'go.mod', instruction: 'RUN', line: 4, stage: 1 },
    { source: 'app', instruction: 'COPY', line: 8, stage: 1 },
    { source: 'requirements*.txt', instruction: 'COPY', line: 8, stage: 1 },
    { source: 'vendor.tar.gz', instruction: 'ADD', line: 11, stage: 1 },
  ]);
});

test('invalid --from references', () => {
  const cases: Array<[string, RegExp]> = [
    ['FROM scratch\nCOPY --from=$X /a /b\n', /variables are not expanded in --from/],
    ['FROM scratch\nCOPY --from=1 /a /b\n', /stage 1 is not defined before stage 0/],
    ['FROM scratch AS a\nCOPY --from=a /x /y\n', /stage 0 is not defined before stage 0/],
    ['FROM scratch\nRUN --mount=from=${IMG},target=/x true\n', /variables are not expanded in a mount's from/],
    ['FROM scratch\nCOPY --from=later /a /b\nFROM scratch AS later\n', /stage 1 is not defined before stage 0/],
  ];
  for (const [text, message] of cases) assert.throws(() => analyseDockerfile(text), message, text);
});

test('ONBUILD references are notes', () => {
  const analysis = analyseFixture('onbuild.Dockerfile');
  assert.deepEqual(analysis.onbuild, [
    { line: 2, stage: 0, instruction: 'COPY', references: ['builder'] },
    { line: 3, stage: 0, instruction: 'RUN', references: ['cache-image'] },
  ]);
  // Stage 2 starts FROM tools, so the triggers run there: builder becomes reachable and
  // cache-image is pulled, attributed to the ONBUILD line.
  assert.deepEqual(analysis.stages.map((stage) => stage.reachable), [true, true, true]);
  assert.deepEqual(analysis.externalImages.filter((image) => image.instruction === 'RUN'), [
    { reference: 'docker.io/library/cache-image:latest', instruction: 'RUN', line: 3, stage: 2, tag: 'latest' },
  ]);
});

test('ONBUILD alone adds no dependency', () => {
  const analysis = analyseDockerfile('FROM lab/debian:bookworm\nONBUILD COPY --from=other/image:1 /a /b\nUSER 1000\n');
  assert.deepEqual(analysis.externalImages.map((image) => image.reference), [DEBIAN]);
  assert.deepEqual(analysis.onbuild, [{ line: 2, stage: 0, instruction: 'COPY', references: ['other/image:1'] }]);
});

test('rejected Dockerfiles', () => {
  const cases: Array<[string, RegExp]> = [
    ['', /no FROM instruction/],
    ['# only a comment\n', /no FROM instruction/],
    ['RUN echo\nFROM scratch\n', /RUN on line 1 comes before the first FROM/],
    ['FROM a b\n', /needs either one or three arguments/],
    ['# escape=x\nFROM scratch\n', /invalid escape directive "x"/],
    ['# escape=`\n# escape=\\\nFROM scratch\n', /parser directive "escape" is repeated/],
    ['ARG X\nFROM ${X:+y}\n', /expands to nothing/],
  ];
  for (const [text, message] of cases) assert.throws(() => analyseDockerfile(text), message, JSON.stringify(text));
});

test('directive after comment is a comment', () => {
  // Parser directives end at the first line that is not one; later "# escape=" is a comment.
  const analysis = analyseDockerfile('# hello\n# escape=`\nFROM scratch\nUSER 1\n');
  assert.equal(analysis.escapeCharacter, '\\');
});

test('BOM and CRLF line endings', () => {
  const analysis = analyseDockerfile('\uFEFFFROM scratch\r\nRUN chmod 777 /x \\\r\n  /y\r\nUSER 1\r\n');
  assert.deepEqual(findingKeys(analysis), ['DF007@2']);
});

test('stage ENV and ARG expand sources', () => {
  const text = [
    'ARG DIR=global',
    'FROM scratch',
    'ARG DIR',
    'ENV APP="my app" LITERAL=\'$DIR\'',
    'COPY ${DIR}/a ${APP}/b $LITERAL/c /dst/',
    'USER 1',
  ].join('\n');
  const sources = analyseDockerfile(text, { buildArgs: {} }).contextFiles.map((source) => source.source);
  // `ARG DIR` in the stage takes the global value; single quotes keep "$DIR" literal.
  assert.deepEqual(sources, ['global/a', 'my app/b', '$DIR/c']);
});

test('stage count is capped', () => {
  const chain = `FROM scratch AS a\n${'FROM a\n'.repeat(MAX_STAGES - 1)}`;
  const analysis = analyseDockerfile(chain);
  assert.equal(analysis.stages.length, MAX_STAGES);
  assert.deepEqual(analysis.stages[MAX_STAGES - 1]!.base, { kind: 'stage', name: 'a', index: 0 });
  assert.throws(() => analyseDockerfile(`${chain}FROM a\n`), /FROM on line 10001 starts stage 10001, more than 10000/);
});

test('repeated stage name resolves latest', () => {
  const analysis = analyseDockerfile('FROM scratch AS a\nFROM scratch AS a\nFROM a\n');
  assert.deepEqual(analysis.stages[2]!.base, { kind: 'stage', name: 'a', index: 1 });
});
