import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { InputError } from '../../../src/common/errors.js';
import { openTarget, parseTarget, type Target } from '../../../src/image/target.js';

const work = mkdtempSync(path.join(tmpdir(), 'bosun-target-test-'));
after(() => rmSync(work, { recursive: true, force: true }));

test('parseTarget table', () => {
  const cases: Array<[string, Target]> = [
    ['docker-archive:/tmp/app.tar', { transport: 'docker-archive', path: '/tmp/app.tar' }],
    ['docker-archive:/tmp/a:b.tar', { transport: 'docker-archive', path: '/tmp/a:b.tar' }],
    ['oci-archive:app.tar', { transport: 'oci-archive', path: 'app.tar' }],
    ['dir:/srv/rootfs', { transport: 'dir', path: '/srv/rootfs' }],
    ['docker-daemon:lab/app:1', { transport: 'docker-daemon', name: 'lab/app:1' }],
    ['podman:127.0.0.1:5000/lab/app:1', { transport: 'podman', name: '127.0.0.1:5000/lab/app:1' }],
    ['nginx', { transport: 'registry', reference: 'nginx' }],
    ['127.0.0.1:5000/lab/app:1', { transport: 'registry', reference: '127.0.0.1:5000/lab/app:1' }],
    ['localhost:5000/app@sha256:' + 'a'.repeat(64), { transport: 'registry', reference: 'localhost:5000/app@sha256:' + 'a'.repeat(64) }],
    ['foo:bar', { transport: 'registry', reference: 'foo:bar' }],
    ['docker://ghcr.io/o/app:1', { transport: 'registry', reference: 'ghcr.io/o/app:1' }],
  ];
  for (const [text, expected] of cases) assert.deepEqual(parseTarget(text), expected, text);
});

test('parseTarget oci path with colons', () => {
  const plain = path.join(work, 'layout');
  const colon = path.join(work, 'with:colon');
  mkdirSync(plain);
  mkdirSync(colon);
  const cases: Array<[string, Target]> = [
    [`oci:${plain}`, { transport: 'oci', path: plain }],
    [`oci:${plain}:app-1`, { transport: 'oci', path: plain, tag: 'app-1' }],
    [`oci:${colon}`, { transport: 'oci', path: colon }],
    [`oci:${colon}:v1.2`, { transport: 'oci', path: colon, tag: 'v1.2' }],
    [`oci:${path.join(work, 'absent')}:x`, { transport: 'oci', path: path.join(work, 'absent') + ':x' }],
  ];
  for (const [text, expected] of cases) assert.deepEqual(parseTarget(text), expected, text);
});

test('parseTarget rejects unknown forms', () => {
  const cases: Array<[string, RegExp]> = [
    ['ftp://host/image', /unknown transport "ftp:"/],
    ['containers-storage:lab/app:1', /containers-storage: transport is not supported/],
    ['oci:', /part after the transport is empty/],
    ['docker-daemon:  ', /part after the transport is empty/],
    ['Not A Reference', /not a valid image reference/],
  ];
  for (const [text, message] of cases) {
    assert.throws(
      () => parseTarget(text),
      (error: unknown) => {
        assert.ok(error instanceof InputError, text);
        assert.match(error.message, message, text);
        assert.match(error.hint ?? '', /docker-archive:PATH/, text);
        return true;
      },
    );
  }
});

test('openTarget dispatches local transports', async () => {
  await assert.rejects(openTarget(`dir:${path.join(work, 'absent')}`), /cannot open directory .*absent: no such file or directory/);
  await assert.rejects(openTarget(`oci:${path.join(work, 'absent')}`), /cannot open OCI layout .*absent: no such file or directory/);
  await assert.rejects(openTarget(`docker-archive:${path.join(work, 'absent.tar')}`), /cannot read archive/);
  await assert.rejects(openTarget('docker-daemon:bad name'), /invalid image name/);
});
