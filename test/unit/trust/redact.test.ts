import assert from 'node:assert/strict';
import { test } from 'node:test';
import { diffApprovals } from '../../../src/trust/audit/diff.js';
import { analyseDockerfile, redactDockerfileLine, redactUrlCredentials } from '../../../src/trust/dockerfile/index.js';

// [line as written, line as shown]
const LINE_CASES: Array<[string, string]> = [
  ['ARG DB_PASSWORD=hunter2', 'ARG DB_PASSWORD=***'],
  ['ENV AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', 'ENV AWS_SECRET_ACCESS_KEY=***'],
  ['    AWS_SECRET_ACCESS_KEY=abc \\', '    AWS_SECRET_ACCESS_KEY=*** \\'],
  ['ENV "API_KEY=Zz9mQ2xLp8RtV4nW7yBc3Hd"', 'ENV "API_KEY=***"'],
  ["ARG 'NPM_TOKEN=npm_Ab12Cd34Ef56Gh78Ij90KlMnOp'", "ARG 'NPM_TOKEN=***'"],
  ['ENV DB_PASSWORD="two words"', 'ENV DB_PASSWORD="***"'],
  ['ENV PASSWORD hunter2 and more', 'ENV PASSWORD ***'],
  ['env session Zx9kQ2mP7vR4tW8yB3nL5cF1', 'env session ***'],
  ['ENV SESSION=Zx9kQ2mP7vR4tW8yB3nL5cF1', 'ENV SESSION=***'],
  ['RUN export GITHUB_TOKEN=abc && make', 'RUN export GITHUB_TOKEN=*** && make'],
  ['RUN curl -H "Authorization: Bearer ghp_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" x', 'RUN curl -H "Authorization: Bearer ***" x'],
  ['ADD https://deploy:Sup3rS3cretPassw0rd@example.com/x.tar.gz /x', 'ADD https://deploy:***@example.com/x.tar.gz /x'],
  // Kept: no secret, a pointer to a secret, or a variable reference.
  ['ENV PATH=/usr/bin:$PATH VERSION=1.2', 'ENV PATH=/usr/bin:$PATH VERSION=1.2'],
  ['ARG TOKEN', 'ARG TOKEN'],
  ['ENV PASSWORD_FILE=/run/secrets/pw', 'ENV PASSWORD_FILE=/run/secrets/pw'],
  ['ENV TOKEN=${TOKEN}', 'ENV TOKEN=${TOKEN}'],
  ['ADD https://example.com/x.tar.gz /x', 'ADD https://example.com/x.tar.gz /x'],
  ['ADD git@github.com:example/repo.git /src', 'ADD git@github.com:example/repo.git /src'],
];

test('redact dockerfile lines table', () => {
  for (const [line, expected] of LINE_CASES) assert.equal(redactDockerfileLine(line), expected, line);
});

test('redact URL credentials keeps user', () => {
  assert.equal(redactUrlCredentials('get https://u:p@h/x and ftp://a:b@c/'), 'get https://u:***@h/x and ftp://a:***@c/');
  assert.equal(redactUrlCredentials('https://ghp_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@github.com/x'), 'https://***@github.com/x');
  assert.equal(redactUrlCredentials('https://deploy@example.com/x'), 'https://deploy@example.com/x');
});

test('approval diff redacts secrets', () => {
  const approved = { files: [], dockerfile: { path: 'Dockerfile', text: 'FROM scratch\nENV AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG\nARG DB_PASSWORD=hunter2\n' } };
  const current = { files: [], dockerfile: { path: 'Dockerfile', text: 'FROM scratch\nENV AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG\nARG DB_PASSWORD=hunter3\n' } };
  const diff = diffApprovals(approved, current).dockerfileDiff;
  assert.ok(diff !== undefined, 'an edit to the secret alone is still a change');
  assert.doesNotMatch(diff, /hunter/);
  assert.doesNotMatch(diff, /wJalr/);
  assert.match(diff, /^-ARG DB_PASSWORD=\*\*\*$/m);
  assert.match(diff, /^\+ARG DB_PASSWORD=\*\*\*$/m);
  assert.match(diff, /^ ENV AWS_SECRET_ACCESS_KEY=\*\*\*$/m);
});

test('findings never quote secrets', () => {
  const text = [
    'FROM scratch',
    'ENV "API_KEY=Zz9mQ2xLp8RtV4nW7yBc3Hd"',
    'ARG "NPM_TOKEN=npm_Ab12Cd34Ef56Gh78Ij90KlMnOp"',
    'ADD https://deploy:Sup3rS3cretPassw0rd@example.com/x.tar.gz /x',
    'USER 1000',
  ].join('\n');
  const messages = analyseDockerfile(text).findings.map((finding) => `${finding.id} ${finding.message}`);
  for (const secret of ['Zz9mQ2', 'npm_Ab12', 'Sup3rS3cret']) {
    assert.ok(messages.every((message) => !message.includes(secret)), `${secret} in ${messages.join(' | ')}`);
  }
  assert.ok(messages.includes('BOSUN-DF006 ENV API_KEY has a value that looks like a credential'), messages.join(' | '));
  assert.ok(messages.includes('BOSUN-DF006 ARG NPM_TOKEN has a value that looks like a credential'), messages.join(' | '));
  assert.ok(messages.includes('BOSUN-DF002 ADD downloads https://deploy:***@example.com/x.tar.gz without --checksum'), messages.join(' | '));
});
