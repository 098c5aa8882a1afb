import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InputError } from '../../../src/common/errors.js';
import { makeReference, manifestReference, parseReference } from '../../../src/image/reference.js';

const HEX = 'a'.repeat(64);
const DIGEST = `sha256:${HEX}`;

interface Case {
  input: string;
  registry: string;
  repository: string;
  tag: string | undefined;
  digest?: string;
  full: string;
  familiar: string;
}

const valid: Case[] = [
  { input: 'nginx', registry: 'docker.io', repository: 'library/nginx', tag: 'latest', full: 'docker.io/library/nginx:latest', familiar: 'nginx:latest' },
  { input: 'nginx:1.27', registry: 'docker.io', repository: 'library/nginx', tag: '1.27', full: 'docker.io/library/nginx:1.27', familiar: 'nginx:1.27' },
  { input: 'user/app', registry: 'docker.io', repository: 'user/app', tag: 'latest', full: 'docker.io/user/app:latest', familiar: 'user/app:latest' },
  { input: 'docker.io/nginx', registry: 'docker.io', repository: 'library/nginx', tag: 'latest', full: 'docker.io/library/nginx:latest', familiar: 'nginx:latest' },
  { input: 'index.docker.io/user/app:2', registry: 'docker.io', repository: 'user/app', tag: '2', full: 'docker.io/user/app:2', familiar: 'user/app:2' },
  { input: 'index.docker.io/redis', registry: 'docker.io', repository: 'library/redis', tag: 'latest', full: 'docker.io/library/redis:latest', familiar: 'redis:latest' },
  { input: 'docker.io/library/a/b', registry: 'docker.io', repository: 'library/a/b', tag: 'latest', full: 'docker.io/library/a/b:latest', familiar: 'library/a/b:latest' },
  { input: 'ghcr.io/owner/app:v1.2.3', registry: 'ghcr.io', repository: 'owner/app', tag: 'v1.2.3', full: 'ghcr.io/owner/app:v1.2.3', familiar: 'ghcr.io/owner/app:v1.2.3' },
  { input: 'localhost/app', registry: 'localhost', repository: 'app', tag: 'latest', full: 'localhost/app:latest', familiar: 'localhost/app:latest' },
  { input: 'localhost:5000/app', registry: 'localhost:5000', repository: 'app', tag: 'latest', full: 'localhost:5000/app:latest', familiar: 'localhost:5000/app:latest' },
  { input: '127.0.0.1:5000/lab/app:1', registry: '127.0.0.1:5000', repository: 'lab/app', tag: '1', full: '127.0.0.1:5000/lab/app:1', familiar: '127.0.0.1:5000/lab/app:1' },
  { input: '[::1]:5000/lab/app:1', registry: '[::1]:5000', repository: 'lab/app', tag: '1', full: '[::1]:5000/lab/app:1', familiar: '[::1]:5000/lab/app:1' },
  { input: 'registry:5000/app', registry: 'registry:5000', repository: 'app', tag: 'latest', full: 'registry:5000/app:latest', familiar: 'registry:5000/app:latest' },
  { input: `nginx@${DIGEST}`, registry: 'docker.io', repository: 'library/nginx', tag: undefined, digest: DIGEST, full: `docker.io/library/nginx@${DIGEST}`, familiar: `nginx@${DIGEST}` },
  { input: `nginx:1.27@${DIGEST}`, registry: 'docker.io', repository: 'library/nginx', tag: '1.27', digest: DIGEST, full: `docker.io/library/nginx:1.27@${DIGEST}`, familiar: `nginx:1.27@${DIGEST}` },
  { input: `quay.io:443/org/team/app:x@${DIGEST}`, registry: 'quay.io:443', repository: 'org/team/app', tag: 'x', digest: DIGEST, full: `quay.io:443/org/team/app:x@${DIGEST}`, familiar: `quay.io:443/org/team/app:x@${DIGEST}` },
  { input: 'a_b/c__d/e--f.g:_tag-1.x', registry: 'docker.io', repository: 'a_b/c__d/e--f.g', tag: '_tag-1.x', full: 'docker.io/a_b/c__d/e--f.g:_tag-1.x', familiar: 'a_b/c__d/e--f.g:_tag-1.x' },
  { input: 'Example.COM/app', registry: 'Example.COM', repository: 'app', tag: 'latest', full: 'Example.COM/app:latest', familiar: 'Example.COM/app:latest' },
  { input: '  nginx  ', registry: 'docker.io', repository: 'library/nginx', tag: 'latest', full: 'docker.io/library/nginx:latest', familiar: 'nginx:latest' },
];

for (const c of valid) {
  test(`parseReference ${c.input.trim()}`, () => {
    const reference = parseReference(c.input);
    assert.equal(reference.registry, c.registry);
    assert.equal(reference.repository, c.repository);
    assert.equal(reference.tag, c.tag);
    assert.equal(reference.digest, c.digest);
    assert.equal(reference.toString(), c.full);
    assert.equal(String(reference), c.full);
    assert.equal(reference.familiar, c.familiar);
    assert.equal(reference.name, `${c.registry}/${c.repository}`);
  });
}

const invalid: Array<{ input: string; reason: RegExp }> = [
  { input: '', reason: /empty/ },
  { input: 'Nginx', reason: /lowercase/ },
  { input: 'docker.io/User/app', reason: /lowercase/ },
  { input: 'nginx:', reason: /tag "" must start/ },
  { input: 'nginx:-bad', reason: /tag "-bad"/ },
  { input: 'nginx:a+b', reason: /tag "a\+b"/ },
  { input: `nginx:${'t'.repeat(129)}`, reason: /longer than 128/ },
  { input: 'nginx@sha256:abc', reason: /digest "sha256:abc"/ },
  { input: 'nginx@md5:d41d8cd98f00b204e9800998ecf8427e', reason: /digest/ },
  { input: `nginx@${DIGEST}@${DIGEST}`, reason: /digest/ },
  { input: 'example.com/', reason: /empty/ },
  { input: 'example.com//app', reason: /path component ""/ },
  { input: 'example.com/app/', reason: /path component ""/ },
  { input: 'app.', reason: /path component "app."/ },
  { input: 'a..b', reason: /path component "a..b"/ },
  { input: 'a___b', reason: /path component "a___b"/ },
  { input: '-host.com/app', reason: /registry host "-host.com"/ },
  { input: 'host.com:port/app', reason: /registry host "host.com:port"/ },
  { input: 'host_name.com/app', reason: /registry host "host_name.com"/ },
  { input: HEX, reason: /image ID/ },
  { input: `example.com/${'a'.repeat(256)}`, reason: /more than 255/ },
  { input: 'a b', reason: /path component "a b"/ },
];

for (const c of invalid) {
  test(`parseReference rejects ${JSON.stringify(c.input.slice(0, 40))}`, () => {
    assert.throws(
      () => parseReference(c.input),
      (error: unknown) => {
        assert.ok(error instanceof InputError, `expected InputError, got ${String(error)}`);
        assert.match(error.message, c.reason);
        assert.ok(error.hint, 'the error has a hint');
        return true;
      },
    );
  });
}

test('parseReference without default tag', () => {
  const reference = parseReference('user/app', { defaultTag: null });
  assert.equal(reference.tag, undefined);
  assert.equal(reference.toString(), 'docker.io/user/app');
  assert.throws(() => manifestReference(reference), InputError);
});

test('parseReference with other default tag', () => {
  assert.equal(parseReference('user/app', { defaultTag: 'stable' }).tag, 'stable');
  assert.equal(parseReference(`user/app@${DIGEST}`, { defaultTag: 'stable' }).tag, undefined);
});

test('manifestReference prefers digest', () => {
  assert.equal(manifestReference(parseReference(`a:1@${DIGEST}`)), DIGEST);
  assert.equal(manifestReference(parseReference('a:1')), '1');
});

test('makeReference validates parts', () => {
  assert.equal(makeReference('127.0.0.1:5000', 'lab/app', '1').toString(), '127.0.0.1:5000/lab/app:1');
  assert.throws(() => makeReference('127.0.0.1:5000', 'Lab/app'), /lowercase/);
  assert.throws(() => makeReference('127.0.0.1:5000', 'lab/app', 'bad tag'), /tag "bad tag"/);
  assert.throws(() => makeReference('bad host', 'app'), /registry host/);
});

test('parseReference name length limit', () => {
  // 255 characters in total for registry/repository is allowed, 256 is not.
  const registry = 'example.com';
  const at255 = 'a'.repeat(255 - registry.length - 1);
  assert.equal(parseReference(`${registry}/${at255}`).repository, at255);
  assert.throws(() => parseReference(`${registry}/${at255}a`), /more than 255/);
});
