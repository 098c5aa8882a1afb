import assert from 'node:assert/strict';
import { test } from 'node:test';
import { analyseDockerfile, AUDIT_RULES, type Finding } from '../../../src/trust/dockerfile/index.js';
import { isWorldWritable } from '../../../src/trust/dockerfile/rules/permissions.js';
import { looksLikeSecretName, looksLikeSecretValue } from '../../../src/trust/dockerfile/rules/secrets.js';

/**
 * Audits `body` in a stage FROM scratch that ends with a non-root USER, so that only the
 * findings of the body remain. The body starts on line 2.
 */
function audit(body: string): string[] {
  const analysis = analyseDockerfile(`FROM scratch\n${body}\nUSER 1000\n`);
  return analysis.findings.map((finding) => `${finding.id.replace('BOSUN-', '')}@${finding.line}`);
}

// [Dockerfile body, expected findings as id@line]
const RULE_CASES: Array<[string, string[]]> = [
  // DF001: a download piped into a shell.
  ['RUN curl -fsSL https://example.invalid/i.sh | sh', ['DF001@2']],
  ['RUN curl -fsSL https://example.invalid/i.sh | sudo -E bash -s -- --yes', ['DF001@2', 'DF010@2']],
  ['RUN wget -O- https://example.invalid/i.sh | bash', ['DF001@2']],
  ['RUN wget -qO - https://example.invalid/i.sh | sh', ['DF001@2']],
  ['RUN curl -sL https://example.invalid/x.gz | gunzip | sh', ['DF001@2']],
  ['RUN sh -c "curl -s https://example.invalid/x | sh"', ['DF001@2']],
  ['RUN bash -c "$(curl -fsSL https://example.invalid/install.sh)"', ['DF001@2']],
  ['RUN bash <(curl -s https://example.invalid/x)', ['DF001@2']],
  ['RUN apt-get update && \\\n    curl -s https://example.invalid/x \\\n    | python3', ['DF001@3']],
  ['RUN ["/bin/sh", "-c", "curl https://example.invalid/x | sh"]', ['DF001@2']],
  ['RUN if ! curl -s https://example.invalid/x | sh; then exit 1; fi', ['DF001@2']],
  ['RUN for f in a b; do chmod 777 "$f"; done', ['DF007@2']],
  // Not DF001: output to a file, wget without stdout, data piped to a fixed script.
  ['RUN curl -fsSLo /tmp/i.sh https://example.invalid/i.sh && sh /tmp/i.sh', []],
  ['RUN wget https://example.invalid/i.sh | sh', []],
  ['RUN curl -s https://example.invalid/data.json | python3 -c "import json,sys; json.load(sys.stdin)"', []],
  ['RUN curl -s https://example.invalid/data | sh -c "cat > /tmp/data"', []],
  ['RUN echo "curl x | sh"', []],
  // DF002: ADD of a URL without --checksum.
  ['ADD https://example.invalid/app.tar.gz /opt/', ['DF002@2']],
  ['ADD git@github.com:example/repo.git /src', ['DF002@2']],
  ['ARG URL=https://example.invalid/app.tar.gz\nADD ${URL} /opt/', ['DF002@3']],
  ['ENV URL=https://example.invalid/app\nADD $URL /opt/', ['DF002@3']],
  ['ARG SRC=app.txt\nADD ${SRC} /opt/', ['DF012@3']],
  ['ARG SRC\nADD ${SRC} /opt/', ['DF012@3']],
  ['ADD --checksum=sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d https://example.invalid/x /x', []],
  // DF006: secrets in ENV and ARG, by name or by value.
  ['ENV DB_PASSWORD=hunter2', ['DF006@2']],
  ['ARG GITHUB_TOKEN', ['DF006@2']],
  ['ENV apiKey=abc', ['DF006@2']],
  ['ENV AWS_SECRET_ACCESS_KEY=x', ['DF006@2']],
  ['ENV CONFIG=AKIAIOSFODNN7EXAMPLE', ['DF006@2']],
  ['ENV SESSION=Zx9kQ2mP7vR4tW8yB3nL5cF1', ['DF006@2']],
  ['ENV DB_PASSWORD_FILE=/run/secrets/db', []],
  ['ENV GPG_KEY=A035C8C19219BA821ECEA86B64E628F8D684696D', []],
  ['ENV NODE_VERSION=20.11.1 PATH=/usr/local/bin:/usr/bin', []],
  ['ARG TOKEN_URL=https://example.invalid/token', []],
  // DF007: world-writable permissions.
  ['RUN chmod 777 /srv', ['DF007@2']],
  ['RUN chmod -R 0666 /data', ['DF007@2']],
  ['RUN chmod a+rwx /srv', ['DF007@2']],
  ['RUN chmod u+x,o+w /srv', ['DF007@2']],
  ['RUN mkdir -p -m 777 /cache', ['DF007@2']],
  ['COPY --chmod=777 app /app', ['DF007@2']],
  ['COPY --chmod=o+w app /app', ['DF007@2']],
  ['RUN chmod 1777 /tmp/shared', []],
  ['RUN chmod 755 /srv && chmod +w /srv/a && chmod o-w /srv/b', []],
  // DF008 and DF009: package installs.
  ['RUN apt-get install -y curl', ['DF008@2', 'DF009@2']],
  ['RUN apt-get -y install --no-install-recommends curl=7.88.1-10', []],
  ['RUN apt-get install -y --no-install-recommends ./local.deb $EXTRA', []],
  ['RUN apk add --no-cache --virtual .build-deps gcc', ['DF008@2']],
  ['RUN apk add --no-cache curl=8.5.0-r0 musl~1.2', []],
  ['RUN pip install --no-cache-dir -r requirements.txt flask', ['DF008@2']],
  ['RUN python3 -m pip install "requests==2.31.0" ./wheels/app.whl', []],
  ['RUN npm install -g typescript', ['DF008@2']],
  ['RUN npm install -g @angular/cli@17.1.0 && npm install lodash', []],
  ['RUN npm i --global pnpm@latest', ['DF008@2']],
  ['RUN dnf install -y httpd', ['DF008@2']],
  ['RUN yum install -y httpd-2.4.57 @development', []],
  ['RUN echo "APT::Install-Recommends \\"0\\";" > /etc/apt/apt.conf.d/90norec && apt-get install -y git=1:2.39.2-1.1', []],
  // DF010: sudo.
  ['RUN sudo chown app /srv', ['DF010@2']],
  // DF011 and DF012: ADD of local sources.
  ['ADD rootfs.tar.xz /', ['DF011@2']],
  ['ADD config.yaml /etc/app/', ['DF012@2']],
  ['COPY rootfs.tar.xz /', []],
  // DF013: verification turned off.
  ['RUN curl -kfsSL https://example.invalid/x -o /x', ['DF013@2']],
  ['RUN wget --no-check-certificate https://example.invalid/x', ['DF013@2']],
  ['RUN pip install --trusted-host pypi.example.invalid app==1.0', ['DF013@2']],
  ['RUN apk add --allow-untrusted /tmp/pkg.apk', ['DF013@2']],
  ['RUN git -c http.sslVerify=false clone https://example.invalid/r.git', ['DF013@2']],
  ['RUN npm config set strict-ssl false', ['DF013@2']],
  ['ENV NODE_TLS_REJECT_UNAUTHORIZED=0', ['DF013@2']],
  ['RUN npm config set strict-ssl true', []],
  // DF014: insecure RUN.
  ['RUN --security=insecure mount -t tmpfs none /mnt', ['DF014@2']],
  // DF015: a source above the context root.
  ['COPY ../secrets /s', ['DF015@2']],
  ['COPY ./app/../app /app', []],
];

for (const [body, expected] of RULE_CASES) {
  test(`rules: ${body.split('\n')[0]!.slice(0, 70)}`, () => {
    assert.deepEqual(audit(body), expected);
  });
}

test('heredoc body lines are exact', () => {
  const text = 'FROM scratch\nRUN <<EOF\nset -e\napt-get update\napt-get install -y --no-install-recommends git\nchmod 777 /srv\nEOF\nUSER 1000\n';
  const findings = analyseDockerfile(text).findings;
  assert.deepEqual(findings.map((f) => `${f.id}@${f.line}`), ['BOSUN-DF008@5', 'BOSUN-DF007@6']);
});

test('heredoc data is not a script', () => {
  // The body goes to cat, or runs under python: neither is shell code to audit.
  const text = [
    'FROM scratch',
    'RUN cat <<EOF > /etc/motd',
    'curl https://example.invalid/x | sh',
    'EOF',
    'RUN <<EOF',
    '#!/usr/bin/env python3',
    'print("chmod 777 /")',
    'EOF',
    'RUN python3 <<EOF',
    'import os',
    'EOF',
    'USER 1000',
  ].join('\n');
  assert.deepEqual(analyseDockerfile(text).findings, []);
});

test('shell heredoc with shebang is a script', () => {
  const text = 'FROM scratch\nRUN <<EOF\n#!/bin/bash\nchmod 777 /srv\nEOF\nUSER 1000\n';
  assert.deepEqual(analyseDockerfile(text).findings.map((f) => f.line), [4]);
});

test('root user cases', () => {
  const cases: Array<[string, string[]]> = [
    ['FROM lab/debian@sha256:ecaaa88ccc68b425f11af8d73c3d59154915efbe789efb9b09cc4eab91bce816\n', ['DF005@1']],
    ['FROM scratch\nUSER app\nUSER root\n', ['DF005@3']],
    ['FROM scratch\nUSER 0:0\n', ['DF005@2']],
    ['FROM scratch\nUSER root\nUSER 1000:1000\n', []],
    // The final stage inherits the USER of the stage it starts FROM.
    ['FROM scratch AS base\nUSER nobody\nFROM base\nRUN true\n', []],
    // Only the target counts: the build stage running as root is fine.
    ['FROM scratch AS build\nFROM scratch\nUSER 1000\n', []],
    ['FROM scratch\nUSER $APP_USER\n', []],
  ];
  for (const [text, expected] of cases) {
    const keys = analyseDockerfile(text).findings.map((f) => `${f.id.replace('BOSUN-', '')}@${f.line}`);
    assert.deepEqual(keys, expected, text);
  }
});

test('base image pin findings', () => {
  const text = 'FROM lab/debian AS a\nFROM lab/debian:bookworm AS b\nFROM scratch\nCOPY --from=nginx /a /a\nUSER 1\n';
  const keys = analyseDockerfile(text).findings.map((f) => `${f.id.replace('BOSUN-', '')}@${f.line}`);
  assert.deepEqual(keys, ['DF003@1', 'DF004@1', 'DF003@2', 'DF003@4', 'DF004@4']);
});

test('secret values stay out of messages', () => {
  const secret = 'Zx9kQ2mP7vR4tW8yB3nL5cF1';
  const findings: Finding[] = analyseDockerfile(`FROM scratch\nENV DB_PASSWORD=${secret} OTHER=${secret}\nUSER 1\n`).findings;
  assert.equal(findings.length, 2);
  for (const finding of findings) {
    assert.equal(finding.severity, 'high');
    assert.ok(!finding.message.includes(secret), finding.message);
  }
});

test('ONBUILD findings use the trigger line', () => {
  const text = 'FROM scratch AS tools\nONBUILD RUN curl -s https://example.invalid/x | sh\nFROM tools\nUSER 1\n';
  const findings = analyseDockerfile(text).findings;
  // Reported once, at the ONBUILD line, though stage 1 runs the trigger too.
  assert.deepEqual(findings.map((f) => `${f.id}@${f.line}`), ['BOSUN-DF001@2']);
  assert.equal(findings[0]!.message, 'ONBUILD RUN pipes curl output into sh');
});

test('rule ids are unique and documented', () => {
  const ids = AUDIT_RULES.map((rule) => rule.id);
  assert.equal(new Set(ids).size, ids.length);
  for (const rule of AUDIT_RULES) {
    assert.match(rule.id, /^BOSUN-DF\d{3}$/);
    assert.ok(rule.why.length > 20, rule.id);
  }
});

test('world-writable modes', () => {
  const cases: Array<[string, boolean]> = [
    ['777', true], ['0777', true], ['666', true], ['772', true], ['2777', true],
    ['1777', false], ['755', false], ['775', false], ['o+w', true], ['a=rwx', true],
    ['ugo+rw', true], ['+w', false], ['u+w,g+w', false], ['o-w', false], ['o=r', false], ['$MODE', false],
  ];
  for (const [mode, expected] of cases) assert.equal(isWorldWritable(mode), expected, mode);
});

test('secret names and values', () => {
  const names: Array<[string, boolean]> = [
    ['PASSWORD', true], ['db_password', true], ['npmToken', true], ['API_KEY', true], ['PRIVATE_KEY', true],
    ['CLIENT_SECRET', true], ['PASSWORD_FILE', false], ['GPG_KEY', false], ['KEY', false], ['TOKEN_URL', false],
    ['SECRET_NAME', false], ['PATH', false], ['TOKENIZER_MODE', false],
  ];
  for (const [name, expected] of names) assert.equal(looksLikeSecretName(name), expected, name);

  const values: Array<[string, boolean]> = [
    ['ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789', true],
    ['-----BEGIN RSA PRIVATE KEY-----', true],
    ['Zx9kQ2mP7vR4tW8yB3nL5cF1', true],
    ['d2a2f8f57c4e2b9b8a7c6d5e4f3a2b1c0d9e8f7a', false],
    ['/usr/local/sbin:/usr/local/bin', false],
    ['production', false],
    ['openjdk-17-jre-headless-17.0.9', false],
    ['${TOKEN_FROM_BUILD_ARG_VALUE}', false],
  ];
  for (const [value, expected] of values) assert.equal(looksLikeSecretValue(value), expected, value);
});
