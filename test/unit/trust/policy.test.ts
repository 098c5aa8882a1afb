import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, test } from 'node:test';
import {
  addTrustedBase,
  compileImagePattern,
  compilePolicy,
  compileRepositoryPattern,
  identityOf,
  imagePatternMatches,
  loadPolicy,
  parsePolicy,
  PolicyError,
  removeTrustedBase,
} from '../../../src/trust/policy/index.js';

const DIGEST_A = `sha256:${'a'.repeat(64)}`;
const DIGEST_B = `sha256:${'b'.repeat(64)}`;

const directories: string[] = [];
afterEach(() => {
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
});

function temporaryDirectory(): string {
  const directory = mkdtempSync(path.join(tmpdir(), 'bosun-policy-'));
  directories.push(directory);
  return directory;
}

function policyError(text: string): PolicyError {
  try {
    parsePolicy(text, 'policy.yaml');
  } catch (error) {
    assert.ok(error instanceof PolicyError, `expected PolicyError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected the policy to be rejected');
}

test('policy defaults for an empty file', () => {
  const policy = parsePolicy('', 'policy.yaml');
  assert.deepEqual(policy, { trustedBases: [], blocked: [], auditedSources: [], mode: 'enforce', failClosed: true });
});

test('policy reads every key', () => {
  const policy = parsePolicy(
    [
      'mode: warn',
      'failClosed: false',
      'trustedBases:',
      '  - repository: 127.0.0.1:5000/lab/debian',
      '    tags: [bookworm]',
      `    digests: ["${DIGEST_A}"]`,
      '    note: built in the lab',
      'blocked:',
      '  - image: docker.io/library/nginx:1.25*',
      '    reason: old',
      'auditedSources: [./app, ./base/Dockerfile]',
    ].join('\n'),
    'policy.yaml',
  );
  assert.equal(policy.mode, 'warn');
  assert.equal(policy.failClosed, false);
  assert.deepEqual(policy.trustedBases, [{ repository: '127.0.0.1:5000/lab/debian', tags: ['bookworm'], digests: [DIGEST_A], note: 'built in the lab' }]);
  assert.deepEqual(policy.blocked, [{ image: 'docker.io/library/nginx:1.25*', reason: 'old' }]);
  assert.deepEqual(policy.auditedSources, ['./app', './base/Dockerfile']);
});

test('policy merge keys resolve inside entries', () => {
  const text = ['trustedBases:', '  - &lab', '    repository: 127.0.0.1:5000/lab/debian', '    note: lab registry', '  - <<: *lab', '    repository: 127.0.0.1:5000/lab/alpine'].join('\n');
  const policy = parsePolicy(text, 'policy.yaml');
  assert.deepEqual(policy.trustedBases[1], { repository: '127.0.0.1:5000/lab/alpine', note: 'lab registry' });
});

const ERROR_CASES: Array<{ name: string; text: string; line: number; column: number; path: string; message: RegExp }> = [
  { name: 'wrong mode', text: 'trustedBases: []\nmode: strict\n', line: 2, column: 7, path: 'mode', message: /enforce|warn/ },
  { name: 'bad digest pin', text: `trustedBases:\n  - repository: debian\n    digests:\n      - sha256:1234\n`, line: 4, column: 9, path: 'trustedBases[0].digests[0]', message: /digest/ },
  { name: 'tag in repository', text: 'trustedBases:\n  - repository: debian:12\n', line: 2, column: 17, path: 'trustedBases[0].repository', message: /tag or digest/ },
  { name: 'missing repository', text: 'trustedBases:\n  - note: no repo\n', line: 2, column: 5, path: 'trustedBases[0].repository', message: /expected string/ },
  { name: 'unknown key', text: 'trustedBases:\n  - repository: debian\n    digest: x\n', line: 3, column: 5, path: 'trustedBases[0].digest', message: /unknown key/ },
  { name: 'unknown top key', text: 'mode: warn\ntrustedbases: []\n', line: 2, column: 1, path: 'trustedbases', message: /unknown key/ },
  { name: 'failClosed not boolean', text: 'failClosed: "no"\n', line: 1, column: 13, path: 'failClosed', message: /boolean/ },
  { name: 'bad blocked pattern', text: 'blocked:\n  - image: "bad image"\n', line: 2, column: 12, path: 'blocked[0].image', message: /invalid/ },
  { name: 'yaml syntax', text: 'trustedBases:\n  - repository: [debian\n', line: 3, column: 1, path: '', message: /./ },
  { name: 'duplicate key', text: 'mode: warn\nmode: enforce\n', line: 2, column: 1, path: '', message: /unique|duplicate/i },
];

for (const entry of ERROR_CASES) {
  test(`policy error: ${entry.name}`, () => {
    const error = policyError(entry.text);
    const issue = error.issues[0]!;
    assert.equal(issue.line, entry.line, `line of ${JSON.stringify(issue)}`);
    assert.equal(issue.column, entry.column, `column of ${JSON.stringify(issue)}`);
    assert.equal(issue.path, entry.path);
    assert.match(issue.message, entry.message);
    assert.ok(error.message.includes(`policy.yaml:${entry.line}:${entry.column}`), error.message);
  });
}

const REPOSITORY_CASES: Array<{ pattern: string; name: string; matches: boolean }> = [
  { pattern: 'debian', name: 'docker.io/library/debian', matches: true },
  { pattern: 'index.docker.io/library/debian', name: 'docker.io/library/debian', matches: true },
  { pattern: '127.0.0.1:5000/lab/debian', name: '127.0.0.1:5000/lab/debian', matches: true },
  { pattern: '127.0.0.1:5000/lab/debian', name: '127.0.0.1:5000/lab/debian-slim', matches: false },
  { pattern: '127.0.0.1:5000/lab/*', name: '127.0.0.1:5000/lab/debian', matches: true },
  { pattern: '127.0.0.1:5000/lab/*', name: '127.0.0.1:5000/lab/sub/debian', matches: false },
  { pattern: '127.0.0.1:5000/lab/**', name: '127.0.0.1:5000/lab/sub/debian', matches: true },
  { pattern: '127.0.0.1:5000/lab/*', name: '127.0.0.1:5001/lab/debian', matches: false },
  { pattern: 'library/*', name: 'docker.io/library/alpine', matches: true },
  { pattern: '*/lab/debian', name: '127.0.0.1:5001/lab/debian', matches: true },
  { pattern: 'ghcr.io/org/app-*', name: 'ghcr.io/org/app-web', matches: true },
  { pattern: 'ghcr.io/org/app-*', name: 'ghcr.io/org/app.web', matches: false },
];

for (const entry of REPOSITORY_CASES) {
  test(`repository pattern ${entry.pattern} vs ${entry.name}`, () => {
    assert.equal(compileRepositoryPattern(entry.pattern).test(entry.name), entry.matches);
  });
}

const IMAGE_CASES: Array<{ pattern: string; references: string[]; digests: string[]; matches: boolean }> = [
  { pattern: 'nginx', references: ['nginx:1.25'], digests: [], matches: true },
  { pattern: 'nginx:1.25*', references: ['nginx:1.25.3'], digests: [], matches: true },
  { pattern: 'nginx:1.25*', references: ['nginx:1.26'], digests: [], matches: false },
  { pattern: `nginx@${DIGEST_A}`, references: ['nginx:1.25'], digests: [DIGEST_A], matches: true },
  { pattern: `nginx@${DIGEST_A}`, references: ['nginx:1.25'], digests: [DIGEST_B], matches: false },
  { pattern: DIGEST_B, references: ['ghcr.io/x/y:1'], digests: [DIGEST_B], matches: true },
  { pattern: '127.0.0.1:5000/evil/*', references: ['127.0.0.1:5000/evil/app:2'], digests: [], matches: true },
];

for (const entry of IMAGE_CASES) {
  test(`image pattern ${entry.pattern.slice(0, 40)} vs ${entry.references[0]}`, () => {
    assert.equal(imagePatternMatches(compileImagePattern(entry.pattern), identityOf(entry.references, entry.digests)), entry.matches);
  });
}

test('trusted base honours digest pins', async () => {
  const directory = temporaryDirectory();
  const file = path.join(directory, 'policy.yaml');
  writeFileSync(file, `trustedBases:\n  - repository: 127.0.0.1:5000/lab/debian\n    digests: ["${DIGEST_A}"]\nauditedSources: [app]\n`);
  const policy = compilePolicy(await loadPolicy(file));
  assert.ok(policy.trustedBaseFor(identityOf(['127.0.0.1:5000/lab/debian:bookworm'], [DIGEST_A])));
  assert.equal(policy.trustedBaseFor(identityOf(['127.0.0.1:5000/lab/debian:bookworm'], [DIGEST_B])), undefined);
  assert.ok(policy.isAuditedSource(path.join(directory, 'app', 'Dockerfile'), path.join(directory, 'app')));
  assert.equal(policy.isAuditedSource(path.join(directory, 'other', 'Dockerfile'), path.join(directory, 'other')), false);
});

test('missing policy file is empty with warning', async () => {
  const loaded = await loadPolicy(path.join(temporaryDirectory(), 'policy.yaml'));
  assert.equal(loaded.exists, false);
  assert.equal(loaded.policy.trustedBases.length, 0);
  assert.equal(loaded.warnings[0]?.code, 'policy.missing');
});

const COMMENTED = `# Trust policy for the home lab.
# Reviewed monthly.

mode: enforce # reject what is not trusted

trustedBases:
  # Our own minimal Debian, built by mmdebstrap.
  - repository: 127.0.0.1:5000/lab/debian
    tags: [bookworm] # the only tag we build
    note: lab base

  # Alpine for small tools.
  - repository: 127.0.0.1:5000/lab/alpine

auditedSources:
  - ./app # the web app
`;

test('base add keeps comments', async () => {
  const file = path.join(temporaryDirectory(), 'policy.yaml');
  writeFileSync(file, COMMENTED);
  const result = await addTrustedBase(file, { repository: '127.0.0.1:5000/lab/busybox', digests: [DIGEST_A], note: 'tools' });
  assert.equal(result.added, true);
  const text = readFileSync(file, 'utf8');
  for (const comment of ['# Trust policy for the home lab.', '# Reviewed monthly.', '# reject what is not trusted', '# Our own minimal Debian, built by mmdebstrap.', '# the only tag we build', '# Alpine for small tools.', '# the web app']) {
    assert.ok(text.includes(comment), `lost comment "${comment}" in:\n${text}`);
  }
  const policy = parsePolicy(text, file);
  assert.deepEqual(policy.trustedBases.map((base) => base.repository), ['127.0.0.1:5000/lab/debian', '127.0.0.1:5000/lab/alpine', '127.0.0.1:5000/lab/busybox']);
  assert.deepEqual(policy.trustedBases[2], { repository: '127.0.0.1:5000/lab/busybox', digests: [DIGEST_A], note: 'tools' });
  assert.deepEqual(readdirSync(path.dirname(file)), ['policy.yaml'], 'no temporary file is left');
});

test('base add extends existing entry', async () => {
  const file = path.join(temporaryDirectory(), 'policy.yaml');
  writeFileSync(file, COMMENTED);
  const result = await addTrustedBase(file, { repository: '127.0.0.1:5000/lab/debian', tags: ['bookworm', 'trixie'], digests: [DIGEST_B] });
  assert.equal(result.added, false);
  const text = readFileSync(file, 'utf8');
  assert.ok(text.includes('# the only tag we build'), text);
  assert.deepEqual(parsePolicy(text, file).trustedBases[0], { repository: '127.0.0.1:5000/lab/debian', tags: ['bookworm', 'trixie'], note: 'lab base', digests: [DIGEST_B] });
});

test('base remove keeps comments', async () => {
  const file = path.join(temporaryDirectory(), 'policy.yaml');
  writeFileSync(file, COMMENTED);
  assert.equal(await removeTrustedBase(file, '127.0.0.1:5000/lab/alpine'), true);
  const text = readFileSync(file, 'utf8');
  for (const comment of ['# Trust policy for the home lab.', '# Our own minimal Debian, built by mmdebstrap.', '# the only tag we build', '# the web app']) {
    assert.ok(text.includes(comment), `lost comment "${comment}" in:\n${text}`);
  }
  assert.deepEqual(parsePolicy(text, file).trustedBases.map((base) => base.repository), ['127.0.0.1:5000/lab/debian']);
  assert.equal(await removeTrustedBase(file, '127.0.0.1:5000/lab/alpine'), false);
});

test('base remove drops one digest pin', async () => {
  const file = path.join(temporaryDirectory(), 'policy.yaml');
  writeFileSync(file, `trustedBases:\n  - repository: debian # hub\n    digests:\n      - ${DIGEST_A}\n      - ${DIGEST_B} # newer\n`);
  assert.equal(await removeTrustedBase(file, 'docker.io/library/debian', DIGEST_A), true);
  const text = readFileSync(file, 'utf8');
  assert.ok(text.includes('# hub'));
  assert.deepEqual(parsePolicy(text, file).trustedBases[0]!.digests, [DIGEST_B]);
});

test('base add creates missing file', async () => {
  const file = path.join(temporaryDirectory(), 'sub', 'policy.yaml');
  const result = await addTrustedBase(file, { repository: '127.0.0.1:5000/lab/*' });
  assert.equal(result.createdFile, true);
  assert.deepEqual(parsePolicy(readFileSync(file, 'utf8'), file).trustedBases, [{ repository: '127.0.0.1:5000/lab/*' }]);
});

test('base add turns empty flow list to block', async () => {
  const file = path.join(temporaryDirectory(), 'policy.yaml');
  writeFileSync(file, 'trustedBases: [] # none yet\n');
  await addTrustedBase(file, { repository: 'debian' });
  const text = readFileSync(file, 'utf8');
  assert.match(text, /^trustedBases:\n {2}- repository: debian\n/);
  assert.ok(text.includes('# none yet'), text);
});

test('base add leaves invalid file untouched', async () => {
  const file = path.join(temporaryDirectory(), 'policy.yaml');
  const invalid = 'mode: sometimes\n';
  writeFileSync(file, invalid);
  await assert.rejects(addTrustedBase(file, { repository: 'debian' }), PolicyError);
  assert.equal(readFileSync(file, 'utf8'), invalid);
});

test('base add rejects bad repository', async () => {
  const file = path.join(temporaryDirectory(), 'policy.yaml');
  await assert.rejects(addTrustedBase(file, { repository: 'Debian:12' }), /tag or digest|invalid/);
});

test('hostile YAML is a policy error', async () => {
  let bomb = 'a0: &a0 [x, x, x, x, x, x, x, x, x]\n';
  for (let level = 1; level < 9; level++) bomb += `a${level}: &a${level} [${Array(9).fill(`*a${level - 1}`).join(', ')}]\n`;
  const cases: Array<[string, string, RegExp]> = [
    ['alias bomb', `trustedBases: []\nextra:\n${bomb.replace(/^/gm, '  ')}`, /policy\.yaml:4:\d+: aliases expand to more than 100 nodes/],
    ['multiple documents', 'trustedBases: []\n---\ntrustedBases: []\n', /policy\.yaml:2:1: a policy file contains one YAML document/],
    ['binary top level', '!!binary aGVsbG8=\n', /policy\.yaml:1:\d+: the policy must be a YAML mapping/],
    ['list top level', '- repository: debian\n', /the policy must be a YAML mapping/],
    ['unresolved alias', 'trustedBases: *nothing\n', /policy\.yaml:1:\d+: /],
  ];
  for (const [name, text, expected] of cases) {
    const error = policyError(text);
    assert.match(error.message, expected, name);
  }
  const directory = temporaryDirectory();
  await assert.rejects(loadPolicy(directory), /policy file .* is not a regular file/);
});

test('base edit rejects aliased entries', async () => {
  const text = [
    'trustedBases:',
    '  - &lab',
    '    repository: 127.0.0.1:5000/lab/debian',
    '    note: lab registry',
    '  - <<: *lab',
    '    repository: 127.0.0.1:5000/lab/alpine',
    '  - repository: 127.0.0.1:5000/lab/plain',
    '    tags: &tags [stable]',
    '  - repository: 127.0.0.1:5000/lab/other',
    '    tags: *tags',
    '  - repository: 127.0.0.1:5000/lab/free',
    '',
  ].join('\n');
  const file = path.join(temporaryDirectory(), 'policy.yaml');
  writeFileSync(file, text);
  const refused: Array<[string, () => Promise<unknown>]> = [
    ['remove anchored entry', () => removeTrustedBase(file, '127.0.0.1:5000/lab/debian')],
    ['remove merged entry', () => removeTrustedBase(file, '127.0.0.1:5000/lab/alpine')],
    ['remove entry with anchor inside', () => removeTrustedBase(file, '127.0.0.1:5000/lab/plain')],
    ['extend entry with alias inside', () => addTrustedBase(file, { repository: '127.0.0.1:5000/lab/other', tags: ['edge'] })],
    ['extend merged entry', () => addTrustedBase(file, { repository: '127.0.0.1:5000/lab/alpine', note: 'changed' })],
  ];
  for (const [name, edit] of refused) {
    await assert.rejects(edit(), (error: unknown) => error instanceof Error && /uses YAML anchors, aliases or merge keys/.test(error.message) && !(error instanceof PolicyError), name);
    assert.equal(readFileSync(file, 'utf8'), text, `${name}: the file is unchanged`);
  }

  assert.equal(await removeTrustedBase(file, '127.0.0.1:5000/lab/free'), true);
  await addTrustedBase(file, { repository: '127.0.0.1:5000/lab/new' });
  const policy = parsePolicy(readFileSync(file, 'utf8'), file);
  assert.deepEqual(policy.trustedBases.map((base) => base.repository), ['127.0.0.1:5000/lab/debian', '127.0.0.1:5000/lab/alpine', '127.0.0.1:5000/lab/plain', '127.0.0.1:5000/lab/other', '127.0.0.1:5000/lab/new']);
  assert.deepEqual(policy.trustedBases[1], { repository: '127.0.0.1:5000/lab/alpine', note: 'lab registry' });
});

test('base edit rejects aliased list', async () => {
  const file = path.join(temporaryDirectory(), 'policy.yaml');
  const text = 'shared: &bases\n  - repository: debian\ntrustedBases: *bases\n';
  writeFileSync(file, text);
  await assert.rejects(addTrustedBase(file, { repository: 'alpine' }), /uses YAML anchors, aliases or merge keys/);
  await assert.rejects(removeTrustedBase(file, 'debian'), /uses YAML anchors, aliases or merge keys/);
  assert.equal(readFileSync(file, 'utf8'), text);
});

test('base edit writes through symlink', async () => {
  const directory = temporaryDirectory();
  const real = path.join(directory, 'real-policy.yaml');
  const link = path.join(directory, 'policy.yaml');
  writeFileSync(real, 'trustedBases: []\n');
  symlinkSync('real-policy.yaml', link);
  await addTrustedBase(link, { repository: 'debian' });
  assert.ok(lstatSync(link).isSymbolicLink(), 'the link stays a link');
  assert.deepEqual(parsePolicy(readFileSync(real, 'utf8'), real).trustedBases, [{ repository: 'debian' }]);
  assert.equal(await removeTrustedBase(link, 'debian'), true);
  assert.ok(lstatSync(link).isSymbolicLink());
  assert.deepEqual(parsePolicy(readFileSync(real, 'utf8'), real).trustedBases, []);
  assert.deepEqual(readdirSync(directory).sort(), ['policy.yaml', 'real-policy.yaml'], 'no lock or temporary file is left');

  const dangling = path.join(directory, 'dangling.yaml');
  symlinkSync('missing.yaml', dangling);
  await assert.rejects(addTrustedBase(dangling, { repository: 'debian' }), /symlink to a file that does not exist/);
});

test('concurrent base adds keep every entry', async () => {
  const file = path.join(temporaryDirectory(), 'policy.yaml');
  writeFileSync(file, 'trustedBases: []\n');
  const repositories = Array.from({ length: 12 }, (_, index) => `127.0.0.1:5000/lab/image${index}`);
  await Promise.all(repositories.map((repository) => addTrustedBase(file, { repository })));
  const listed = parsePolicy(readFileSync(file, 'utf8'), file).trustedBases.map((base) => base.repository);
  assert.deepEqual([...listed].sort(), [...repositories].sort());
});

test('stale policy lock is taken over', async () => {
  const directory = temporaryDirectory();
  const file = path.join(directory, 'policy.yaml');
  writeFileSync(file, 'trustedBases: []\n');
  const exited = spawnSync(process.execPath, ['-e', '']);
  writeFileSync(`${file}.lock`, `${exited.pid}\n`);
  await addTrustedBase(file, { repository: 'debian' });
  assert.deepEqual(parsePolicy(readFileSync(file, 'utf8'), file).trustedBases, [{ repository: 'debian' }]);
  assert.equal(existsSync(`${file}.lock`), false);

  writeFileSync(`${file}.lock`, `${process.pid}\n`);
  const waiting = addTrustedBase(file, { repository: 'alpine' });
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.deepEqual(parsePolicy(readFileSync(file, 'utf8'), file).trustedBases.length, 1, 'a live lock holds the edit back');
  rmSync(`${file}.lock`);
  await waiting;
  assert.deepEqual(parsePolicy(readFileSync(file, 'utf8'), file).trustedBases.map((base) => base.repository), ['debian', 'alpine']);
});

test('base remove rejects last digest pin', async () => {
  const file = path.join(temporaryDirectory(), 'policy.yaml');
  const text = `trustedBases:\n  - repository: debian\n    digests: [${DIGEST_A}]\n`;
  writeFileSync(file, text);
  await assert.rejects(removeTrustedBase(file, 'debian', DIGEST_A), /is the only digest pin of trusted base docker\.io\/library\/debian/);
  assert.equal(readFileSync(file, 'utf8'), text, 'the pin stays');
});

test('required policy file must exist', async () => {
  const file = path.join(temporaryDirectory(), 'absent.yaml');
  await assert.rejects(loadPolicy(file, { required: true }), /policy file .*absent\.yaml does not exist/);
  assert.equal((await loadPolicy(file)).exists, false);
});
